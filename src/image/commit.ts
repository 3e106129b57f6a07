// commitImage: turns an image config, its layers and history into config + manifest blobs in the
// content store. Layers are kept uncompressed locally, so a layer's diffID is its blob digest.
import type { ContentStore, Sha256Digest } from '../../cache/index.js';
import { mediaTypes, type ContainerConfig, type Descriptor, type HistoryEntry, type ImageConfig, type Manifest } from './oci.js';

export interface CommitLayer {
  descriptor: Descriptor;
  /** Digest of the uncompressed tar; defaults to the blob digest (uncompressed local layers). */
  diffId?: Sha256Digest;
}

export interface CommitInput {
  /** Everything but rootfs, which is derived from `layers`. */
  config: Omit<ImageConfig, 'rootfs' | 'history'>;
  layers: CommitLayer[];
  history?: HistoryEntry[];
  annotations?: Record<string, string>;
}

export interface CommitResult {
  manifestDigest: Sha256Digest;
  manifestSize: number;
  /** The config digest (Docker's image ID). */
  imageId: Sha256Digest;
  manifest: Manifest;
  config: ImageConfig;
}

/** JSON exactly as stored: no whitespace, keys in the order built, so equal inputs give equal digests. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value);
}

/** The config fields that are Go maps, which encoding/json writes with their keys sorted. */
const mapFields = new Set(['Labels', 'ExposedPorts', 'Volumes']);

function sortedKeys(map: object): object {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The container config as Docker's and BuildKit's Go types marshal it: every field is `omitempty`, so a reset
 * CMD (null), `CMD []`, an empty map or string, `ArgsEscaped: false` are left out rather than written, and
 * map fields have their keys sorted.
 */
function marshalledLikeGo(config: ContainerConfig): ContainerConfig {
  const kept = Object.entries(config).filter(([, value]) => {
    if (value === null || value === undefined || value === '' || value === false || value === 0) return false;
    if (Array.isArray(value)) return value.length > 0;
    return typeof value !== 'object' || Object.keys(value as object).length > 0;
  });
  return Object.fromEntries(kept.map(([key, value]) => [key, mapFields.has(key) ? sortedKeys(value as object) : value])) as ContainerConfig;
}

export async function commitImage(content: ContentStore, input: CommitInput): Promise<CommitResult> {
  const config: ImageConfig = {
    ...input.config,
    ...(input.config.config ? { config: marshalledLikeGo(input.config.config) } : {}),
    rootfs: { type: 'layers', diff_ids: input.layers.map((l) => l.diffId ?? l.descriptor.digest) },
    ...(input.history ? { history: input.history } : {}),
  };
  const configBlob = await content.ingestBytes(canonicalJson(config));
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    config: { mediaType: mediaTypes.ociConfig, digest: configBlob.digest, size: configBlob.size },
    layers: input.layers.map((l) => l.descriptor),
    ...(input.annotations ? { annotations: input.annotations } : {}),
  };
  const manifestBlob = await content.ingestBytes(canonicalJson(manifest));
  return {
    manifestDigest: manifestBlob.digest,
    manifestSize: manifestBlob.size,
    imageId: configBlob.digest,
    manifest,
    config,
  };
}
