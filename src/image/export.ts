// Build exporters: where a finished image goes besides the image store — an OCI layout directory, an
// OCI or docker-archive tar (one combined format both read), a flattened rootfs tar, or a local
// directory; `exportImage` picks one by BuildKit's --output type names.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { applyLayer } from '../snapshot/apply.js';
import { tarDirectory } from '../snapshot/diff.js';
import { writeImageArchive, writeOciLayout, type ArchiveImage } from './archive-write.js';
import type { ImageReference } from './reference.js';
import type { ImageStore, StoredImage } from './store.js';

/** OCI image layout directory (index.json, oci-layout, blobs/). */
export function exportOciLayout(images: ImageStore, image: ArchiveImage, dir: string): Promise<void> {
  return writeOciLayout(images.content, [image], dir);
}

/** A tar both OCI readers (skopeo oci-archive:) and docker-archive readers (docker load) accept. */
export function exportImageTar(images: ImageStore, image: ArchiveImage, out: NodeJS.WritableStream): Promise<void> {
  return writeImageArchive(images.content, [image], out);
}

/** Unpacks the image's layers, in order, into `dir` (an existing or new directory). */
export async function exportLocalDirectory(images: ImageStore, image: StoredImage, dir: string): Promise<void> {
  const manifest = await images.manifest(image);
  for (const layer of manifest.layers) await applyLayer(dir, images.content.read(layer.digest));
}

/** The image's flattened filesystem as one tar; unpacked under `scratchDir` (same filesystem as the state) first. */
export async function exportRootfsTar(images: ImageStore, image: StoredImage, out: NodeJS.WritableStream, scratchDir: string, sourceDateEpoch?: number): Promise<void> {
  const dir = await mkdtemp(join(scratchDir, 'rootfs-'));
  try {
    await exportLocalDirectory(images, image, dir);
    await pipeline(Readable.from(tarDirectory(dir, { sourceDateEpoch })), out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** BuildKit's `--output type=…` targets. */
export type ExportTarget =
  | { type: 'oci-layout'; dir: string; ref?: ImageReference }
  | { type: 'oci' | 'docker'; out: NodeJS.WritableStream; ref?: ImageReference }
  | { type: 'tar'; out: NodeJS.WritableStream; scratchDir: string; sourceDateEpoch?: number }
  | { type: 'local'; dir: string };

export async function exportImage(images: ImageStore, image: StoredImage, target: ExportTarget): Promise<void> {
  switch (target.type) {
    case 'oci-layout':
      return exportOciLayout(images, { manifestDigest: image.manifestDigest, refs: target.ref ? [target.ref] : [] }, target.dir);
    case 'oci':
    case 'docker':
      return exportImageTar(images, { manifestDigest: image.manifestDigest, refs: target.ref ? [target.ref] : [] }, target.out);
    case 'tar':
      return exportRootfsTar(images, image, target.out, target.scratchDir, target.sourceDateEpoch);
    case 'local':
      return exportLocalDirectory(images, image, target.dir);
  }
}
