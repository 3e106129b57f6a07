// How big a layer is the way Docker counts it (`images`, `history`, `inspect` Size): the bytes of its regular
// files, a hard-linked file once, and of its symlinks' targets; not the length of its tar, whose headers and
// padding Docker's sizes leave out. Counted once per layer from its blob, then kept beside the image store.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { digestHex, writeFileAtomically, type Sha256Digest } from '../../cache/index.js';
import { decompressed } from './compression.js';
import type { Descriptor } from './oci.js';
import type { ImageStore } from './store.js';

function sizesDir(images: ImageStore): string {
  return join(images.dir, 'layer-sizes');
}

function sizeFile(images: ImageStore, digest: string): string {
  return join(sizesDir(images), digestHex(digest as Sha256Digest));
}

async function countContent(images: ImageStore, digest: Sha256Digest): Promise<number> {
  // Loaded on use: listing images needs the tar reader only for layers not counted yet.
  const { forEachTarEntry } = await import('../snapshot/tar-format.js');
  const { stream } = await decompressed(images.content.read(digest));
  let size = 0;
  await forEachTarEntry(stream, async (header) => {
    if (header.type === 'file' || header.type === 'contiguous-file') size += header.size ?? 0;
    else if (header.type === 'symlink') size += Buffer.byteLength(header.linkname ?? '');
  });
  return size;
}

/** The layer's content size; its blob's size when the blob cannot be read (a damaged store lists what it can). */
export async function layerContentSize(images: ImageStore, layer: Descriptor): Promise<number> {
  const file = sizeFile(images, layer.digest);
  try {
    return Number(readFileSync(file, 'utf8'));
  } catch {
    // not counted yet
  }
  let size: number;
  try {
    size = await countContent(images, layer.digest as Sha256Digest);
  } catch {
    return layer.size;
  }
  try {
    mkdirSync(sizesDir(images), { recursive: true });
    writeFileAtomically(file, String(size));
  } catch {
    // a read-only store counts again next time
  }
  return size;
}

/** Drops what was counted for a blob the store no longer has. */
export function forgetLayerSize(images: ImageStore, digest: string): void {
  rmSync(sizeFile(images, digest), { force: true });
}
