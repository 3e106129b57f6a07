// The built image: the target stage's final config, its history and layers become config + manifest
// blobs (commitImage). BuildKit's rules: the base image's history is kept as it was, every entry the
// build adds is dated `epoch`, `created` is `epoch`, and `--label`s land on top of the stage's labels.
// `epoch` is SOURCE_DATE_EPOCH or the stable default (see chooseEpoch), so equal inputs give equal IDs.
import type { ContentStore } from '../../cache/index.js';
import { commitImage, type CommitResult } from '../image/commit.js';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../image/oci.js';
import type { Layer } from './fs-state.js';

export interface ImageResultInput {
  /** Config of the image the target stage starts from (undefined for scratch). */
  base: ImageConfig | undefined;
  /** The stage's runtime config after all its instructions. */
  config: ContainerConfig;
  /** Entries the build adds (base entries excluded), without `created`. */
  history: HistoryEntry[];
  layers: Layer[];
  /** Seconds since the Unix epoch. */
  epoch: number;
  labels: ReadonlyMap<string, string>;
  /** MAINTAINER of the stage, else the base image's author. */
  author: string | undefined;
}

/**
 * The build's timestamp when SOURCE_DATE_EPOCH is not given: the newest `created` of the base images
 * (0 when there are none, as for FROM scratch). A stable default keeps rebuilds byte-identical while
 * an image still looks about as old as what it was built from.
 */
export function chooseEpoch(sourceDateEpoch: number | undefined, bases: (ImageConfig | undefined)[]): number {
  if (sourceDateEpoch !== undefined) return sourceDateEpoch;
  let newest = 0;
  for (const base of bases) {
    const created = base?.created === undefined ? Number.NaN : Date.parse(base.created);
    if (!Number.isNaN(created)) newest = Math.max(newest, Math.floor(created / 1000));
  }
  return newest;
}

export function isoTime(epoch: number): string {
  return new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');
}

export function commitBuiltImage(content: ContentStore, input: ImageResultInput): Promise<CommitResult> {
  const created = isoTime(input.epoch);
  const config: ContainerConfig = { ...input.config };
  if (input.labels.size > 0) config.Labels = { ...(config.Labels ?? {}), ...Object.fromEntries(input.labels) };
  const history = [...(input.base?.history ?? []), ...input.history.map((entry) => ({ created, ...entry }))];
  return commitImage(content, {
    config: {
      created,
      ...((input.author ?? input.base?.author) !== undefined ? { author: (input.author ?? input.base?.author) as string } : {}),
      architecture: input.base?.architecture ?? 'amd64',
      os: input.base?.os ?? 'linux',
      config,
    },
    layers: input.layers.map((layer) => ({ descriptor: layer.descriptor, diffId: layer.diffId })),
    history,
  });
}
