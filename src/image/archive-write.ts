// Writes image archives: one tar that docker-archive readers (manifest.json + repositories) and OCI
// readers (index.json + oci-layout) both read, as Docker ≥ 25 writes it; and OCI layout directories.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { digestHex, type ContentStore, type Sha256Digest } from '../../cache/index.js';
import { addTarEntry, createTarPack, type TarPack } from '../snapshot/tar-format.js';
import { isManifestMediaType, mediaTypes, type Descriptor, type Index, type Manifest } from './oci.js';
import { familiarReference, familiarRepository, formatReference, isNameOnly, parseReference, type ImageReference } from './reference.js';
import { NotFoundError } from '../errors.js';
import type { ImageStore } from './store.js';

/** One image to write, with the references it should carry (may be none). */
export interface ArchiveImage {
  manifestDigest: Sha256Digest;
  refs: ImageReference[];
}

/**
 * What `save NAME…` writes, as docker save chooses: a tag saves that tag, a bare repository name
 * every tag of that repository, an ID (or digest) the image untagged.
 */
export async function selectImagesToSave(images: ImageStore, names: string[]): Promise<ArchiveImage[]> {
  const selected = new Map<string, ArchiveImage>();
  const add = (manifestDigest: Sha256Digest, ref?: ImageReference): void => {
    const entry = selected.get(manifestDigest) ?? { manifestDigest, refs: [] };
    if (ref && !entry.refs.some((r) => formatReference(r) === formatReference(ref))) entry.refs.push(ref);
    selected.set(manifestDigest, entry);
  };
  for (const name of names) {
    let wanted: ImageReference | undefined;
    try {
      wanted = parseReference(name);
    } catch {
      wanted = undefined; // an ID
    }
    const matches = (ref: ImageReference): boolean =>
      wanted !== undefined && ref.domain === wanted.domain && ref.path === wanted.path && (isNameOnly(name) || ref.tag === wanted.tag);
    let named = false;
    for (const image of await images.list()) {
      for (const ref of image.tags.map((t) => parseReference(t)).filter(matches)) {
        add(image.manifestDigest, ref);
        named = true;
      }
    }
    if (named) continue;
    const image = await images.find(name);
    // Docker 20.10's words: a name with a tag the store lacks is "reference does not exist"; a bare
    // name, an ID or anything starting "sha256:" (which would parse as name:tag) is "No such image".
    const namesTag = wanted !== undefined && !isNameOnly(name) && !name.startsWith('sha256:');
    if (image === undefined) throw new NotFoundError(namesTag ? 'reference does not exist' : `No such image: ${name}`);
    add(image.manifestDigest);
  }
  return [...selected.values()];
}

interface PlannedImage {
  manifestDescriptor: Descriptor;
  manifest: Manifest;
  refs: ImageReference[];
}

async function planImages(content: ContentStore, images: ArchiveImage[]): Promise<PlannedImage[]> {
  const out: PlannedImage[] = [];
  for (const image of images) {
    const bytes = await content.readBytes(image.manifestDigest);
    const manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
    const mediaType = manifest.mediaType ?? mediaTypes.ociManifest;
    if (!isManifestMediaType(mediaType)) throw new Error(`${image.manifestDigest} is not an image manifest`);
    out.push({ manifestDescriptor: { mediaType, digest: image.manifestDigest, size: bytes.length }, manifest, refs: image.refs });
  }
  return out;
}

function indexOf(planned: PlannedImage[]): Index {
  const manifests: Descriptor[] = [];
  for (const image of planned) {
    if (image.refs.length === 0) manifests.push(image.manifestDescriptor);
    for (const ref of image.refs) {
      manifests.push({
        ...image.manifestDescriptor,
        annotations: {
          'io.containerd.image.name': `${ref.domain}/${ref.path}:${ref.tag ?? 'latest'}`,
          'org.opencontainers.image.ref.name': ref.tag ?? 'latest',
        },
      });
    }
  }
  return { schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests };
}

function blobsOf(planned: PlannedImage[]): Descriptor[] {
  const seen = new Map<string, Descriptor>();
  for (const image of planned) {
    for (const d of [image.manifestDescriptor, image.manifest.config, ...image.manifest.layers]) seen.set(d.digest, d);
  }
  return [...seen.values()];
}

const blobPath = (digest: Sha256Digest): string => `blobs/sha256/${digestHex(digest)}`;
const ociLayout = JSON.stringify({ imageLayoutVersion: '1.0.0' });
const fixedMtime = new Date(0);

/** Streams the combined docker-archive + OCI tar of `images` into `out`. */
export async function writeImageArchive(content: ContentStore, images: ArchiveImage[], out: NodeJS.WritableStream): Promise<void> {
  const planned = await planImages(content, images);
  const pack = createTarPack();
  const writing = pipeline(pack as unknown as NodeJS.ReadableStream, out);
  try {
    await addBuffer(pack, 'blobs/', null);
    await addBuffer(pack, 'blobs/sha256/', null);
    for (const blob of blobsOf(planned)) await addBlob(pack, content, blob);
    await addBuffer(pack, 'index.json', JSON.stringify(indexOf(planned)));
    const dockerManifest = planned.map((image) => ({
      Config: blobPath(image.manifest.config.digest),
      RepoTags: image.refs.map((r) => familiarReference({ ...r, digest: undefined })),
      Layers: image.manifest.layers.map((l) => blobPath(l.digest)),
    }));
    await addBuffer(pack, 'manifest.json', JSON.stringify(dockerManifest));
    await addBuffer(pack, 'oci-layout', ociLayout);
    const repositories: Record<string, Record<string, string>> = {};
    for (const image of planned) {
      const top = image.manifest.layers.at(-1);
      for (const ref of image.refs) {
        if (top === undefined || ref.tag === undefined) continue;
        (repositories[familiarRepository(ref)] ??= {})[ref.tag] = digestHex(top.digest);
      }
    }
    await addBuffer(pack, 'repositories', JSON.stringify(repositories));
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
  await writing;
}

/** Writes (or adds to) an OCI image layout directory holding `images`. */
export async function writeOciLayout(content: ContentStore, images: ArchiveImage[], dir: string): Promise<void> {
  const planned = await planImages(content, images);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const blob of blobsOf(planned)) {
    await pipeline(content.read(blob.digest), createWriteStream(join(dir, blobPath(blob.digest))));
  }
  await writeFile(join(dir, 'oci-layout'), ociLayout);
  await writeFile(join(dir, 'index.json'), JSON.stringify(indexOf(planned)));
}

function addBuffer(pack: TarPack, name: string, body: string | null): Promise<void> {
  if (body === null) return addTarEntry(pack, { name, mode: 0o755, mtime: fixedMtime, type: 'directory' });
  const bytes = Buffer.from(body);
  return addTarEntry(pack, { name, mode: 0o644, mtime: fixedMtime, size: bytes.length, type: 'file' }, [bytes]);
}

function addBlob(pack: TarPack, content: ContentStore, blob: Descriptor): Promise<void> {
  return addTarEntry(pack, { name: blobPath(blob.digest), mode: 0o644, mtime: fixedMtime, size: blob.size, type: 'file' }, content.read(blob.digest));
}
