// `import`: a rootfs tarball (plain, gzip or xz) becomes a one-layer image. The tar is stored as the
// layer as it streams in, while a parser checks every entry name, so a hostile tarball is refused
// and leaves no image behind.
import { PassThrough } from 'node:stream';
import { UserError } from '../errors.js';
import { forEachTarEntry, type TarHeader } from '../snapshot/tar-format.js';
import { cleanEntryName } from '../snapshot/tar-names.js';
import { commitImage } from './commit.js';
import { decompressed } from './compression.js';
import { applyConfigChanges } from './config-changes.js';
import { hostArchitecture, mediaTypes } from './oci.js';
import type { ImageReference } from './reference.js';
import { removeUnreferencedBlobs } from './remove.js';
import type { ImageStore, StoredImage } from './store.js';

export interface ImportOptions {
  /** Dockerfile-style config changes (`-c`). */
  changes?: string[];
  /** History comment (`-m`); default "Imported from <source>". */
  message?: string;
  /** How the source is named in the default comment: a file name or "-". */
  sourceName: string;
  ref?: ImageReference;
  /** Image creation time; defaults to now. */
  created?: Date;
}

function checkEntry(header: TarHeader): Promise<void> {
  const { name, type, linkname } = header;
  if (name.includes('\uFFFD')) throw new UserError(`refusing tar entry "${name}": its name is not valid UTF-8`);
  try {
    cleanEntryName(name);
    if (type === 'link') cleanEntryName(linkname);
  } catch (err) {
    throw new UserError(`refusing tar entry: ${(err as Error).message}`);
  }
  return Promise.resolve();
}

export async function importRootfs(images: ImageStore, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: ImportOptions): Promise<StoredImage> {
  const { stream } = await decompressed(source);
  const toStore = new PassThrough({ highWaterMark: 1 << 20 });
  // Errors reach the ingest through its iterator; this listener only keeps an early one from
  // being an uncaught 'error' event before the ingest starts reading.
  toStore.on('error', () => undefined);
  stream.pipe(toStore);
  const checking = forEachTarEntry(stream, checkEntry).catch((err: unknown) => {
    const error = err instanceof UserError ? err : new UserError(`invalid tar archive: ${(err as Error).message}`, { cause: err });
    toStore.destroy(error);
    throw error;
  });
  // Both settle before we return, so a failed ingest has removed its temp file by then.
  const [stored, checked] = await Promise.allSettled([images.content.ingest(toStore), checking]);
  if (checked.status === 'rejected') {
    if (stored.status === 'fulfilled') await removeUnreferencedBlobs(images, [stored.value.digest]);
    throw checked.reason;
  }
  if (stored.status === 'rejected') throw stored.reason;
  const layer = stored.value;
  const created = (options.created ?? new Date()).toISOString();
  const result = await commitImage(images.content, {
    config: {
      created,
      architecture: hostArchitecture(),
      os: 'linux',
      config: applyConfigChanges({}, options.changes ?? []),
    },
    layers: [{ descriptor: { mediaType: mediaTypes.ociLayer, digest: layer.digest, size: layer.size } }],
    history: [{ created, comment: options.message ?? `Imported from ${options.sourceName}` }],
  });
  return images.add({ manifestDigest: result.manifestDigest, id: result.imageId }, options.ref ? [options.ref] : []);
}
