// Builds small OCI image archives in memory, with parts that tests can break or vary.
import { createHash } from 'node:crypto';
import { buildTar, type FixtureEntry } from '../snapshot/tar-fixtures.js';

export const sha = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export interface ArchiveParts {
  layer: Buffer;
  diffIds?: string[];
  extra?: FixtureEntry[];
  omitBlob?: 'config' | 'layer';
  /** Wrap the manifest in a nested multi-platform index next to a manifest for this other platform. */
  otherPlatform?: string;
}

/** A one-image OCI archive named docker.io/library/hostile:1. */
export async function ociArchive(parts: ArchiveParts): Promise<Buffer> {
  const layerHex = sha(parts.layer);
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: parts.diffIds ?? [`sha256:${layerHex}`] } });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(config)}`, size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerHex}`, size: parts.layer.length }],
  });
  const manifestDescriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha(manifest)}`, size: manifest.length };
  const extraBlobs: FixtureEntry[] = [];
  let top: object = manifestDescriptor;
  if (parts.otherPlatform !== undefined) {
    // The other platform's manifest points at blobs that are absent: choosing it would fail the load.
    const other = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha('absent')}`, size: 6 }, layers: [] });
    const nested = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha(other)}`, size: other.length, platform: { os: 'linux', architecture: parts.otherPlatform } },
        { ...manifestDescriptor, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    });
    extraBlobs.push({ name: `blobs/sha256/${sha(other)}`, body: other }, { name: `blobs/sha256/${sha(nested)}`, body: nested });
    top = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${sha(nested)}`, size: nested.length };
  }
  const index = JSON.stringify({ schemaVersion: 2, manifests: [{ ...top, annotations: { 'io.containerd.image.name': 'docker.io/library/hostile:1' } }] });
  return buildTar([
    { name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
    ...(parts.omitBlob === 'config' ? [] : [{ name: `blobs/sha256/${sha(config)}`, body: config }]),
    { name: `blobs/sha256/${sha(manifest)}`, body: manifest },
    ...(parts.omitBlob === 'layer' ? [] : [{ name: `blobs/sha256/${layerHex}`, body: parts.layer }]),
    ...extraBlobs,
    ...(parts.extra ?? []),
    { name: 'index.json', body: index },
  ]);
}
