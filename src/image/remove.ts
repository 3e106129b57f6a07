// Removing images the way `docker rmi` and `image prune` do: a name is untagged; the image itself
// is deleted once nothing names it, and then its blobs that no other image references go too.
import type { Sha256Digest } from '../../cache/index.js';
import { ConflictError } from '../errors.js';
import { chainId } from './chain-id.js';
import { forgetLayerSize, layerContentSize } from './layer-size.js';
import type { Manifest } from './oci.js';
import { parseReference, familiarReference, type ImageReference } from './reference.js';
import { shortId, type ImageStore, type StoredImage } from './store.js';

export type RemovalEvent = { untagged: string } | { deleted: Sha256Digest };

/** What else keeps an image or its blobs: containers using it, and the build cache holding its layers. */
export interface RemovalGuards {
  /** Containers using an image ID (engine.imageUsers). */
  imageUsers: (imageId: string) => Promise<string[]>;
  /** Blobs the build cache holds: they stay when the image goes, as `docker rmi` leaves BuildKit's cache whole. */
  keptBlobs: () => Promise<ReadonlySet<string>>;
}

export interface RemoveOptions extends RemovalGuards {
  force?: boolean;
}

/** Familiar "name:tag" of a canonical stored tag. */
function familiarTag(tag: string): string {
  return familiarReference(parseReference(tag));
}

/** Parses `text` as a tag reference when it names one of the image's tags. */
function tagNamedBy(text: string, image: StoredImage): ImageReference | undefined {
  try {
    const ref = parseReference(text);
    if (ref.digest !== undefined) return undefined;
    const canonical = `${ref.domain}/${ref.path}:${ref.tag}`;
    return image.tags.includes(canonical) ? ref : undefined;
  } catch {
    return undefined;
  }
}

/** `rmi TEXT`: untag when TEXT is one of several names, else delete the image and its unshared blobs. */
export async function removeImage(images: ImageStore, text: string, options: RemoveOptions): Promise<RemovalEvent[]> {
  const image = await images.resolve(text);
  const users = await options.imageUsers(image.id);
  const byTag = tagNamedBy(text, image);
  if (byTag && image.tags.length > 1) {
    await images.untag(byTag);
    return [{ untagged: familiarTag(`${byTag.domain}/${byTag.path}:${byTag.tag}`) }];
  }
  if (users.length > 0 && !options.force) {
    const what = byTag ? `repository reference "${text}"` : shortId(image.id);
    throw new ConflictError(`conflict: unable to remove ${what} (must force) - container ${shortId(users[0] as string)} is using its referenced image ${shortId(image.id)}`);
  }
  if (!byTag && image.tags.length > 1 && !options.force) {
    throw new ConflictError(`conflict: unable to delete ${shortId(image.id)} (must be forced) - image is referenced in multiple repositories`);
  }
  return deleteImage(images, image, await options.keptBlobs());
}

/** Deletes an image record with all its tags, then the blobs no remaining image references and `kept` does not hold. */
export async function deleteImage(images: ImageStore, image: StoredImage, kept: ReadonlySet<string>): Promise<RemovalEvent[]> {
  const manifest = await images.manifest(image).catch(() => undefined);
  const config = await images.config(image).catch(() => undefined);
  const removedTags = await images.remove(image.manifestDigest);
  const events: RemovalEvent[] = removedTags.map((t) => ({ untagged: familiarTag(t) }));
  const candidates = [image.manifestDigest, image.id, ...(manifest?.layers.map((l) => l.digest) ?? [])];
  await removeUnreferencedBlobs(images, candidates.filter((digest) => !kept.has(digest)));
  const remaining = await images.list();
  if (!remaining.some((other) => other.id === image.id)) {
    events.push({ deleted: image.id });
    const layers = (manifest?.layers ?? []).map((layer, i) => ({ digest: layer.digest, diffId: config?.rootfs.diff_ids[i] }));
    events.push(...(await releasedLayers(images, remaining, layers, kept)));
  }
  return events;
}

/**
 * The layer stacks, top first, that no `remaining` image has and the build cache does not hold, by chain ID: what
 * `docker rmi` lists as deleted after the image. A stack another image still has keeps every stack below it.
 */
async function releasedLayers(
  images: ImageStore,
  remaining: StoredImage[],
  layers: { digest: string; diffId: Sha256Digest | undefined }[],
  kept: ReadonlySet<string>,
): Promise<RemovalEvent[]> {
  const held = new Set<string>();
  for (const other of remaining) {
    const diffIds = (await images.config(other).catch(() => undefined))?.rootfs.diff_ids ?? [];
    for (let i = 1; i <= diffIds.length; i++) held.add(chainId(diffIds.slice(0, i)) as string);
  }
  const events: RemovalEvent[] = [];
  for (let top = layers.length; top >= 1; top--) {
    const diffIds = layers.slice(0, top).map((layer) => layer.diffId);
    if (diffIds.some((id) => id === undefined) || kept.has((layers[top - 1] as { digest: string }).digest)) break;
    const chain = chainId(diffIds as Sha256Digest[]) as Sha256Digest;
    if (held.has(chain)) break;
    events.push({ deleted: chain });
  }
  return events;
}

/**
 * Deletes those of `candidates` that no image in the store references. A concurrent writer that is
 * about to record an image using one of them can lose it; callers run this only for blobs they own.
 */
export async function removeUnreferencedBlobs(images: ImageStore, candidates: Sha256Digest[]): Promise<void> {
  const referenced = new Set<string>();
  for (const other of await images.list()) {
    referenced.add(other.manifestDigest);
    referenced.add(other.id);
    const manifest = await images.content.readJson<Manifest>(other.manifestDigest).catch(() => undefined);
    for (const layer of manifest?.layers ?? []) referenced.add(layer.digest);
  }
  for (const digest of candidates) {
    if (referenced.has(digest)) continue;
    await images.content.delete(digest);
    forgetLayerSize(images, digest);
  }
}

/**
 * `image prune`: dangling images, or with `all` every image no container uses. Returns what went and the space
 * freed as Docker reports it: the content size of the layers that went (busybox: 1.986MB, not its tar's 2.14MB).
 */
export async function pruneImages(images: ImageStore, options: RemovalGuards & { all: boolean }): Promise<{ events: RemovalEvent[]; reclaimed: number }> {
  // Counted before deleting: a layer's recorded size is dropped with its blob.
  const layerSizes = await storeLayerSizes(images);
  const kept = await options.keptBlobs();
  const events: RemovalEvent[] = [];
  for (const image of await images.list()) {
    if (!options.all && image.tags.length > 0) continue;
    if ((await options.imageUsers(image.id)).length > 0) continue;
    events.push(...(await deleteImage(images, image, kept)));
  }
  const left = new Set((await images.content.list()).map((blob) => blob.digest as string));
  const reclaimed = [...layerSizes].filter(([digest]) => !left.has(digest)).reduce((sum, [, size]) => sum + size, 0);
  return { events, reclaimed };
}

/** Every layer the store's images use → its content size. */
async function storeLayerSizes(images: ImageStore): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const image of await images.list()) {
    const manifest = await images.content.readJson<Manifest>(image.manifestDigest).catch(() => undefined);
    for (const layer of manifest?.layers ?? []) {
      if (!sizes.has(layer.digest)) sizes.set(layer.digest, await layerContentSize(images, layer));
    }
  }
  return sizes;
}
