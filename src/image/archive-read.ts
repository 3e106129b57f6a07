// Reads image archives into the stores: OCI layout tars (index.json + blobs/) and docker-archive tars
// (manifest.json, Docker ≥ 25 blob paths or the older <id>/layer.tar form), gzip'd or not.
// Every blob is verified against its digest; compressed layers are stored uncompressed and must
// match the config's diffIDs. Tags are written only after all their content is in the store.
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { digestHex, isSha256Digest, ContentMismatchError, type ContentStore, type Sha256Digest } from '../../cache/index.js';
import { UserError } from '../errors.js';
import { forEachTarEntry } from '../snapshot/tar-format.js';
import { cleanEntryName } from '../snapshot/tar-names.js';
import { decompressed } from './compression.js';
import { hostArchitecture, isIndexMediaType, isManifestMediaType, layerCompression, mediaTypes, type Descriptor, type ImageConfig, type Index, type Manifest } from './oci.js';
import { parseReference, type ImageReference } from './reference.js';
import type { ImageStore, StoredImage } from './store.js';
import { canonicalJson } from './commit.js';
import { removeUnreferencedBlobs } from './remove.js';

/** Metadata files are read into memory; anything larger is not metadata. */
const maxMetadataBytes = 8 << 20;

export interface LoadedImage {
  image: StoredImage;
  refs: ImageReference[];
}

interface ArchiveContents {
  /** Entry name → blob digest (content verified) for every regular file that is not metadata. */
  files: Map<string, Sha256Digest>;
  /** Small JSON files by entry name. */
  metadata: Map<string, Buffer>;
  /** Symlink and hard-link entry name → target name (legacy docker-archive dedupes layers so). */
  links: Map<string, string>;
}

function archiveError(message: string, cause?: unknown): UserError {
  return new UserError(`invalid image archive: ${message}`, cause === undefined ? undefined : { cause });
}

/** "<id>/json" and "<id>/VERSION" of pre-25 docker-archives: v1 layer metadata nothing reads any more. */
const isLegacyLayerMetadata = (name: string): boolean => /^[^/]+\/(json|VERSION)$/.test(name);

const isMetadataName = (name: string): boolean =>
  name === 'index.json' || name === 'manifest.json' || name === 'oci-layout' || name === 'repositories' || (!name.includes('/') && name.endsWith('.json'));

async function readArchive(content: ContentStore, tar: Readable, contents: ArchiveContents): Promise<void> {
  const seen = new Set<string>();
  let current = '';
  try {
    await forEachTarEntry(tar, async (header, body) => {
      current = header.name;
      if (header.name.includes('\uFFFD')) throw archiveError(`entry "${header.name}" has a name that is not valid UTF-8`);
      let name: string;
      try {
        name = cleanEntryName(header.name);
      } catch (err) {
        throw archiveError((err as Error).message);
      }
      if (header.type === 'directory' || name === '' || isLegacyLayerMetadata(name)) return;
      if (seen.has(name)) throw archiveError(`duplicate entry "${name}"`);
      seen.add(name);
      if (header.type === 'symlink' || header.type === 'link') {
        // Symlinks are relative to their directory (legacy archives link "<id>/layer.tar" → "../<x>.tar").
        const target = header.type === 'symlink' ? posix.normalize(posix.join(posix.dirname(name), header.linkname)) : posix.normalize(header.linkname);
        if (target.startsWith('../') || target === '..' || posix.isAbsolute(target)) throw archiveError(`link "${name}" points outside the archive`);
        contents.links.set(name, cleanEntryName(target));
        return;
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        throw archiveError(`entry "${name}" has unsupported type ${header.type}`);
      }
      if (isMetadataName(name)) {
        if (header.size > maxMetadataBytes) throw archiveError(`metadata file "${name}" is too large (${header.size} bytes)`);
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(chunk as Buffer);
        contents.metadata.set(name, Buffer.concat(chunks));
        return;
      }
      const blobName = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name)?.[1];
      const expected = blobName === undefined ? undefined : (`sha256:${blobName}` as Sha256Digest);
      try {
        const blob = await content.ingest(body, { digest: expected, size: header.size });
        contents.files.set(name, blob.digest);
      } catch (err) {
        if (err instanceof ContentMismatchError) throw archiveError(`blob "${name}": ${err.message}`);
        throw err;
      }
    });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw archiveError(`near entry "${current}": ${(err as Error).message}`, err);
  }
}

function fileDigest(contents: ArchiveContents, name: string): Sha256Digest {
  let resolved = cleanEntryName(name);
  for (let hops = 0; contents.links.has(resolved) && hops < 16; hops++) resolved = contents.links.get(resolved) as string;
  const digest = contents.files.get(resolved);
  if (digest === undefined) throw archiveError(`missing file "${name}"`);
  return digest;
}

function parseJson<T>(bytes: Buffer | undefined, what: string): T {
  if (bytes === undefined) throw archiveError(`missing ${what}`);
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (err) {
    throw archiveError(`${what} is not valid JSON`, err);
  }
}

/** One image found in the archive: where its config and layer blobs are, and its names. */
interface FoundImage {
  config: Sha256Digest;
  layers: { digest: Sha256Digest; mediaType: string | undefined }[];
  refs: ImageReference[];
  /** The archive's own manifest blob, kept when it already describes uncompressed layers. */
  manifestDigest?: Sha256Digest;
}

async function findOciImages(content: ContentStore, contents: ArchiveContents): Promise<FoundImage[]> {
  const index = parseJson<Index>(contents.metadata.get('index.json'), 'index.json');
  if (!Array.isArray(index.manifests)) throw archiveError('index.json has no manifests');
  const out: FoundImage[] = [];
  const visit = async (descriptors: Descriptor[], depth: number, inheritedRefs: ImageReference[]): Promise<void> => {
    if (depth > 4) throw archiveError('index nesting is too deep');
    for (const d of descriptors) {
      if (!isSha256Digest(d.digest)) throw archiveError(`descriptor digest "${String(d.digest)}" is not sha256`);
      if (!(await content.has(d.digest)) || !contents.files.has(`blobs/sha256/${digestHex(d.digest)}`)) throw archiveError(`missing blob ${d.digest}`);
      const refs = [...inheritedRefs, ...refsFromAnnotations(d.annotations)];
      if (isIndexMediaType(d.mediaType)) {
        // A multi-platform image: keep the manifest for this machine, named as the index was.
        const nested = await content.readJson<Index>(d.digest);
        await visit(pickPlatform(nested.manifests ?? []), depth + 1, refs);
        continue;
      }
      if (!isManifestMediaType(d.mediaType)) continue; // attestations, signatures
      const manifest = await content.readJson<Manifest>(d.digest);
      const existing = out.find((f) => f.manifestDigest === d.digest);
      if (existing) {
        existing.refs.push(...refs);
        continue;
      }
      out.push({
        config: blobInArchive(contents, manifest.config?.digest),
        layers: (manifest.layers ?? []).map((l) => ({ digest: blobInArchive(contents, l.digest), mediaType: l.mediaType })),
        refs,
        manifestDigest: d.digest,
      });
    }
  };
  await visit(index.manifests, 0, []);
  return out;
}

/** From a platform list, the manifests for this machine (linux/<arch>); all of them when none says its platform. */
function pickPlatform(descriptors: Descriptor[]): Descriptor[] {
  const images = descriptors.filter((d) => isManifestMediaType(d.mediaType) || isIndexMediaType(d.mediaType));
  if (!images.some((d) => d.platform)) return images;
  const match = images.find((d) => d.platform?.os === 'linux' && d.platform.architecture === hostArchitecture());
  if (!match) {
    const offered = images.map((d) => `${d.platform?.os}/${d.platform?.architecture}`).join(', ');
    throw archiveError(`no image for linux/${hostArchitecture()} (the archive has ${offered})`);
  }
  return [match];
}

function blobInArchive(contents: ArchiveContents, digest: unknown): Sha256Digest {
  if (typeof digest !== 'string' || !isSha256Digest(digest)) throw archiveError(`descriptor digest "${String(digest)}" is not sha256`);
  if (!contents.files.has(`blobs/sha256/${digestHex(digest)}`)) throw archiveError(`missing blob ${digest}`);
  return digest;
}

function refsFromAnnotations(annotations: Record<string, string> | undefined): ImageReference[] {
  const name = annotations?.['io.containerd.image.name'] ?? annotations?.['org.opencontainers.image.ref.name'];
  if (name === undefined) return [];
  try {
    const ref = parseReference(name);
    // A bare "latest" in ref.name is a tag without a repository: the image is loaded untagged.
    return name.includes(':') || name.includes('/') ? [ref] : [];
  } catch {
    return [];
  }
}

function findDockerImages(contents: ArchiveContents): FoundImage[] {
  const entries = parseJson<{ Config?: string; RepoTags?: string[] | null; Layers?: string[] }[]>(contents.metadata.get('manifest.json'), 'manifest.json');
  if (!Array.isArray(entries)) throw archiveError('manifest.json is not a list');
  return entries.map((entry) => {
    if (typeof entry.Config !== 'string' || !Array.isArray(entry.Layers)) throw archiveError('manifest.json entry lacks Config or Layers');
    return {
      config: fileDigest(contents, entry.Config),
      layers: entry.Layers.map((l) => ({ digest: fileDigest(contents, l), mediaType: undefined })),
      refs: (entry.RepoTags ?? []).map((t) => parseReference(t)),
    };
  });
}

/** Loads every image of a (possibly compressed) archive stream; tags point at them at the end. */
export async function loadImageArchive(images: ImageStore, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<LoadedImage[]> {
  const content = images.content;
  const contents: ArchiveContents = { files: new Map(), metadata: new Map(), links: new Map() };
  const ingested = new Set<Sha256Digest>();
  try {
    const { stream } = await decompressed(source);
    await readArchive(content, stream, contents);
    // Legacy docker-archive configs are "<hex>.json" at top level, read as metadata: store them now.
    for (const [name, bytes] of contents.metadata) {
      if (/^[a-f0-9]{64}\.json$/.test(name)) contents.files.set(name, (await content.ingestBytes(bytes)).digest);
    }
    let found: FoundImage[];
    if (contents.metadata.has('index.json') && contents.metadata.has('oci-layout')) found = await findOciImages(content, contents);
    else if (contents.metadata.has('manifest.json')) found = findDockerImages(contents);
    else throw archiveError('neither index.json (OCI layout) nor manifest.json (docker-archive) found');
    const loaded: LoadedImage[] = [];
    for (const image of found) loaded.push(await storeImage(images, image, ingested));
    return loaded;
  } finally {
    // Compressed originals, attestations and the blobs of a failed load are not kept.
    await removeUnreferencedBlobs(images, [...contents.files.values(), ...ingested]);
  }
}

async function storeImage(images: ImageStore, image: FoundImage, ingested: Set<Sha256Digest>): Promise<LoadedImage> {
  const content = images.content;
  let config: ImageConfig;
  try {
    config = await content.readJson<ImageConfig>(image.config);
  } catch (err) {
    throw archiveError(`config ${image.config} is not valid JSON`, err);
  }
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || diffIds.length !== image.layers.length) {
    throw archiveError(`config ${image.config} lists ${diffIds?.length ?? 0} layers, the manifest ${image.layers.length}`);
  }
  const layers: Descriptor[] = [];
  let rewritten = false;
  for (const [i, layer] of image.layers.entries()) {
    const declared = layer.mediaType === undefined ? undefined : layerCompression(layer.mediaType);
    if (layer.mediaType !== undefined && declared === undefined) throw archiveError(`layer ${layer.digest} has unknown media type ${layer.mediaType}`);
    const { compression, stream } = await decompressed(content.read(layer.digest));
    let digest = layer.digest;
    if (compression !== 'none') {
      digest = (await content.ingest(stream)).digest;
      ingested.add(digest);
      rewritten = true;
    } else {
      stream.destroy();
    }
    if (digest !== diffIds[i]) throw archiveError(`layer ${i + 1} has diffID ${digest}, the config says ${String(diffIds[i])}`);
    const info = await content.info(digest);
    layers.push({ mediaType: mediaTypes.ociLayer, digest, size: info?.size ?? 0 });
  }
  let manifestDigest = image.manifestDigest;
  const keepOriginal = manifestDigest !== undefined && !rewritten && image.layers.every((l) => l.mediaType === mediaTypes.ociLayer);
  if (!keepOriginal) {
    const configInfo = await content.info(image.config);
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: mediaTypes.ociManifest,
      config: { mediaType: mediaTypes.ociConfig, digest: image.config, size: configInfo?.size ?? 0 },
      layers,
    };
    manifestDigest = (await content.ingestBytes(canonicalJson(manifest))).digest;
    ingested.add(manifestDigest);
  }
  const stored = await images.add({ manifestDigest: manifestDigest as Sha256Digest, id: image.config }, image.refs);
  return { image: stored, refs: image.refs };
}
