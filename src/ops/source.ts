// FROM: the starting filesystem of a stage. `scratch` is empty; an image from the local image store is
// unpacked layer by layer into snapshots named by chain ID (so every image and build sharing a base
// shares its snapshots); an earlier stage is simply that stage's result (the graph wires it).
import { NotFoundError, UserError } from '../errors.js';
import { decompressed } from '../image/compression.js';
import { layerCompression, type ImageConfig, type Manifest } from '../image/oci.js';
import { formatReference, parseReference } from '../image/reference.js';
import type { ImageStore } from '../image/store.js';
import { applyLayer } from '../snapshot/apply.js';
import { emptyFsState, snapshotName, uniqueKey, withMounted, type FsDeps, type FsState, type Layer } from './fs-state.js';

export interface BaseImage {
  manifest: Manifest;
  config: ImageConfig;
}

/** A base image as the store gave it: also which stored image the reference named at that moment. */
export interface ResolvedBaseImage extends BaseImage {
  manifestDigest: string;
}

/** The only platform this engine builds for; anything else is refused up front. */
export const supportedPlatform = 'linux/amd64';

export function checkPlatform(platform: string | undefined): void {
  if (platform !== undefined && platform !== supportedPlatform) {
    throw new UserError(`platform ${platform} is not supported: tsbuild builds ${supportedPlatform} images only`);
  }
}

/**
 * A FROM reference looked up in the local image store. No registry is reachable from here, so an
 * image that is not stored is an error that says how to get it in (`tsbuild load` / `import`).
 */
export async function resolveBaseImage(images: ImageStore, text: string): Promise<ResolvedBaseImage> {
  const ref = parseReference(text);
  const stored = await images.find(text);
  if (!stored) {
    throw new NotFoundError(
      `failed to resolve source metadata for ${formatReference(ref)}: image not found in the local store (add it with \`tsbuild load\` or \`tsbuild import\`)`,
    );
  }
  return { manifestDigest: stored.manifestDigest, manifest: await images.manifest(stored), config: await images.config(stored) };
}

/** Unpacks (or finds already unpacked) every layer of `image`; returns the state on its top layer. */
export async function unpackImage(deps: FsDeps, image: BaseImage): Promise<FsState> {
  const diffIds = image.config.rootfs.diff_ids;
  if (diffIds.length !== image.manifest.layers.length) {
    throw new UserError(`image config lists ${diffIds.length} layers but its manifest has ${image.manifest.layers.length}`);
  }
  let state = emptyFsState;
  for (const [index, descriptor] of image.manifest.layers.entries()) {
    const layers: Layer[] = [...state.layers, { descriptor, diffId: diffIds[index] as Layer['diffId'] }];
    const name = snapshotName(layers) as string;
    if (!(await deps.snapshotter.stat(name))) await unpackLayer(deps, state, descriptor, name);
    state = { snapshot: name, layers };
  }
  return state;
}

async function unpackLayer(deps: FsDeps, parent: FsState, descriptor: Layer['descriptor'], name: string): Promise<void> {
  const key = uniqueKey('unpack');
  const mounts = await deps.snapshotter.prepare(key, parent.snapshot);
  try {
    await withMounted(deps, mounts, async (dir) => applyLayer(dir, (await decompressed(layerBlob(deps, descriptor))).stream));
    await deps.snapshotter.commit(name, key);
  } catch (err) {
    await deps.snapshotter.remove(key).catch(() => undefined);
    // Another build may have unpacked the same layer meanwhile: then its snapshot serves us too.
    if (await deps.snapshotter.stat(name)) return;
    throw err;
  }
}

/** The layer blob; its compression is undone by the caller (by magic bytes, as for any tarball). */
function layerBlob(deps: FsDeps, descriptor: Layer['descriptor']): AsyncIterable<Uint8Array> {
  if (layerCompression(descriptor.mediaType) === undefined) {
    throw new UserError(`layer ${descriptor.digest} has media type ${descriptor.mediaType}, which tsbuild cannot unpack`);
  }
  return deps.content.read(descriptor.digest);
}
