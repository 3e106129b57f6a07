// The Docker-compatible description of a stored image (`image inspect`, `images`, `history`):
// Docker's field names and shapes, so scripts written against `docker image inspect` keep working.
import type { Sha256Digest } from '../../cache/index.js';
import type { ContainerConfig, ImageConfig, Manifest } from './oci.js';
import { familiarReference, familiarRepository, parseReference } from './reference.js';
import { layerContentSize } from './layer-size.js';
import type { ImageStore, StoredImage } from './store.js';

export interface ImageInspect {
  Id: Sha256Digest;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Container: string;
  ContainerConfig: Record<string, unknown>;
  DockerVersion: string;
  Author: string;
  Config: Record<string, unknown>;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  VirtualSize: number;
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

export interface ImageDetails {
  image: StoredImage;
  manifest: Manifest;
  config: ImageConfig;
  /** Each layer's content size, as Docker counts it (layer-size.ts), bottom first. */
  layerSizes: number[];
  /** Their sum: the image's size in `images` and `inspect`. */
  size: number;
}

export async function imageDetails(images: ImageStore, image: StoredImage): Promise<ImageDetails> {
  const [manifest, config] = await Promise.all([images.manifest(image), images.config(image)]);
  const layerSizes = await Promise.all(manifest.layers.map((layer) => layerContentSize(images, layer)));
  return { image, manifest, config, layerSizes, size: layerSizes.reduce((sum, size) => sum + size, 0) };
}

/** Docker's container-config view: every field present, null where unset. */
function dockerConfig(config: ContainerConfig | undefined): Record<string, unknown> {
  const c = config ?? {};
  return {
    Hostname: '',
    Domainname: '',
    User: c.User ?? '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: c.Env ?? null,
    Cmd: c.Cmd ?? null,
    ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
    ...(c.ArgsEscaped ? { ArgsEscaped: true } : {}),
    Image: '',
    Volumes: c.Volumes ?? null,
    WorkingDir: c.WorkingDir ?? '',
    Entrypoint: c.Entrypoint ?? null,
    OnBuild: c.OnBuild ?? null,
    Labels: c.Labels ?? null,
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c.Shell ? { Shell: c.Shell } : {}),
  };
}

/** The null fields of an inspect view that Docker's Go types hold as slices or maps: `--format` prints them `[]`, `map[]`. */
export const inspectNilFields: Readonly<Record<string, string>> = {
  Env: '[]',
  Cmd: '[]',
  Entrypoint: '[]',
  OnBuild: '[]',
  Shell: '[]',
  Volumes: 'map[]',
  ExposedPorts: 'map[]',
  Labels: 'map[]',
};

export function inspectView(details: ImageDetails): ImageInspect {
  const { image, config } = details;
  const refs = image.tags.map((t) => parseReference(t));
  const repos = [...new Set(refs.map((r) => familiarRepository(r)))];
  const lastHistory = config.history?.at(-1);
  return {
    Id: image.id,
    RepoTags: refs.map((r) => familiarReference(r)),
    RepoDigests: repos.map((repo) => `${repo}@${image.manifestDigest}`),
    Parent: '',
    Comment: lastHistory?.comment ?? '',
    Created: config.created ?? '0001-01-01T00:00:00Z',
    // The classic builder's commit container; images made here (like Docker's own imports) have none.
    Container: '',
    ContainerConfig: dockerConfig(undefined),
    DockerVersion: '',
    Author: config.author ?? '',
    Config: dockerConfig(config.config),
    Architecture: config.architecture,
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os,
    Size: details.size,
    VirtualSize: details.size,
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
    Metadata: { LastTagTime: image.added },
  };
}
