// The build cache outside builds: where its records live under the state root, and the composition
// behind `builder prune` and `system df` (records + the build snapshotter + image and content stores +
// cache mount directories).
import { statfsSync } from 'node:fs';
import { join } from 'node:path';
import { RecordStore, type PrunePolicy } from '../cache/index.js';
import type { RemovalGuards } from './image/remove.js';
import { blobsHeldByBuildCache, measureBuildCache, pruneBuildCache, type BuildCacheUsage, type CachePruneDeps, type PruneResult } from './ops/cache-prune.js';
import { openSnapshotter } from './snapshot/open-snapshotter.js';
import type { Engine } from './engine.js';

/** Records, last uses and leases of the build cache. */
export function buildCacheDir(engine: Pick<Engine, 'paths'>): string {
  return join(engine.paths.cache, 'build');
}

/** Content checksums of what COPY --from takes from stages and images, per snapshot (ops/state-checksum.ts). */
export function stateChecksumDir(engine: Pick<Engine, 'paths'>): string {
  return join(buildCacheDir(engine), 'state-sums');
}

/** RUN --mount=type=cache directories. */
export function cacheMountsDir(engine: Pick<Engine, 'paths'>): string {
  return join(engine.paths.cache, 'mounts');
}

async function pruneDeps(engine: Engine): Promise<CachePruneDeps> {
  return {
    records: await RecordStore.open(buildCacheDir(engine)),
    snapshotter: await openSnapshotter(engine.paths.snapshots),
    images: engine.images,
    content: engine.content,
    cacheMountsDir: cacheMountsDir(engine),
    stateChecksumDir: stateChecksumDir(engine),
    replaysDir: engine.paths.replays,
    parsesDir: engine.paths.parses,
  };
}

/** What keeps an image or its blobs when images are removed: containers using it, the build cache's blobs. */
export function imageRemovalGuards(engine: Engine): RemovalGuards {
  return {
    imageUsers: (id) => engine.imageUsers(id),
    keptBlobs: async () => blobsHeldByBuildCache(await RecordStore.open(buildCacheDir(engine))),
  };
}

export async function pruneCache(engine: Engine, policy: Omit<PrunePolicy, 'now'>, now = Date.now()): Promise<PruneResult> {
  return pruneBuildCache(await pruneDeps(engine), { ...policy, now });
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * The collection builds start in the background (src/cli/cache-gc.ts), after BuildKit's default policies:
 * results no build used for 60 days go, then the least recently used ones until the build cache takes at most
 * a tenth of the filesystem holding the state root. Results running builds hold, and cache mounts, stay.
 */
export async function collectCache(engine: Engine, now = Date.now()): Promise<void> {
  await pruneCache(engine, { all: true, unusedForMs: 60 * dayMs }, now);
  const disk = statfsSync(engine.paths.root);
  await pruneCache(engine, { all: true, keepBytes: Math.floor((disk.bsize * disk.blocks) / 10) }, now);
}

export async function cacheUsage(engine: Engine, now = Date.now()): Promise<BuildCacheUsage> {
  return measureBuildCache(await pruneDeps(engine), now);
}
