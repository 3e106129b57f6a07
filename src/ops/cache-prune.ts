// `builder prune` and the build-cache line of `system df`: gathers the facts cache/gc plans with (records,
// running builds' leases, the blobs images reference, snapshot parents, sizes) and carries a plan out —
// records first (a record whose resources are gone is a miss anyway), then snapshots children first,
// then blobs — all under the cache lock, so no build takes a record or result while it goes.
import { rm } from 'node:fs/promises';
import { cacheBytes, planPrune, processAlive, type CacheRecord, type ContentStore, type PruneFacts, type PrunePolicy, type RecordStore, type Resource, type Sha256Digest } from '../../cache/index.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { ImageStore } from '../image/store.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';
import { withCacheLock } from './build-cache.js';
import { listCacheMounts, removeCacheMounts, type CacheMountInfo } from './cache-mount-store.js';
import { ownerPidOf } from './fs-state.js';
import { forgetStateChecksums } from './state-checksum.js';

/** A temporary record file this old belongs to a write that died, not one in flight. */
const staleTempMs = 60 * 60 * 1000;

export interface CachePruneDeps {
  records: RecordStore;
  snapshotter: Snapshotter;
  images: ImageStore;
  content: ContentStore;
  /** Where RUN --mount=type=cache directories live. */
  cacheMountsDir: string;
  /** Content checksums kept per snapshot (state-checksum.ts): those of removed snapshots go too. */
  stateChecksumDir: string;
  /** Replay records of builds (src/cli/build-replay.ts), which name cache records. */
  replaysDir: string;
  /** Kept Dockerfile parses (src/context/parsed-dockerfile.ts): a prune that frees anything drops them too. */
  parsesDir: string;
}

export interface PruneResult {
  /** Keys of the records removed (corrupt ones included). */
  deleted: string[];
  reclaimedBytes: number;
}

export interface BuildCacheUsage {
  records: (CacheRecord & { inUse: boolean; shared: boolean })[];
  cacheMounts: CacheMountInfo[];
  /** Records and cache mounts running builds use. */
  active: number;
  /** Bytes only the build cache holds (shared with images: counted there), cache mounts included. */
  size: number;
  /** Bytes `builder prune -a` would free now. */
  reclaimable: number;
}

/**
 * Blobs every stored image references (manifest, config, layers). Its unpacked snapshots are not held:
 * like BuildKit's, they are cache, and `run` unpacks the layers again when they are gone.
 */
async function blobsHeldByImages(images: ImageStore): Promise<string[]> {
  const blobs: string[] = [];
  for (const image of await images.list()) {
    blobs.push(image.manifestDigest, image.id);
    const manifest = await images.manifest(image).catch(() => undefined);
    for (const layer of manifest?.layers ?? []) blobs.push(layer.digest);
  }
  return blobs;
}

/** Blobs the build cache holds: those its records reference and those running builds lease. */
export async function blobsHeldByBuildCache(records: RecordStore): Promise<Set<string>> {
  const blobs = new Set<string>();
  for (const record of await records.list()) for (const digest of record.references.blobs) blobs.add(digest);
  for (const lease of await records.liveLeases()) for (const digest of lease.blobs) blobs.add(digest);
  return blobs;
}

interface GatheredFacts extends PruneFacts {
  records: CacheRecord[];
  /** Record files that cannot be read: misses that hold nothing, removed by any prune. */
  unreadable: string[];
  buildsRunning: boolean;
}

async function gatherFacts(deps: CachePruneDeps): Promise<GatheredFacts> {
  const records = await deps.records.list();
  const readable = new Set(records.map((r) => r.key));
  const unreadable = (await deps.records.keys()).filter((key) => !readable.has(key));
  const leases = await deps.records.liveLeases();
  const imageBlobs = await blobsHeldByImages(deps.images);
  const snapshots = await deps.snapshotter.list();
  const snapshotParents = new Map(snapshots.map((s) => [s.name, s.parent]));

  // Only what records reference is ever freed, so only that is measured (a snapshot walk each). A file
  // several snapshots share (a COPY's unchanged files are links to its previous result) counts once, in
  // the most recently used one: sizes add up to the disk they take, and a prune of older results is not
  // credited with files a newer one keeps.
  const sizes = new Map<string, number>();
  const counted = new Set<number>();
  for (const record of [...records].sort((a, b) => b.lastUsedAt - a.lastUsedAt)) {
    for (const name of record.references.snapshots) {
      if (sizes.has(`snapshot:${name}`) || !snapshotParents.has(name)) continue;
      sizes.set(`snapshot:${name}`, (await deps.snapshotter.usage(name, counted).catch(() => ({ size: 0 }))).size);
    }
    for (const digest of record.references.blobs) {
      if (sizes.has(`blob:${digest}`)) continue;
      const info = await deps.content.info(digest as Sha256Digest).catch(() => undefined);
      if (info) sizes.set(`blob:${digest}`, info.size);
    }
  }
  return {
    records,
    unreadable,
    buildsRunning: leases.length > 0,
    lastKeys: await deps.records.lastKeys(),
    leasedKeys: new Set(leases.flatMap((l) => l.keys)),
    held: {
      snapshots: leases.flatMap((l) => l.snapshots),
      blobs: [...imageBlobs, ...leases.flatMap((l) => l.blobs)],
    },
    snapshotParents,
    sizeOf: (r: Resource) => sizes.get(r.kind === 'snapshot' ? `snapshot:${r.name}` : `blob:${r.digest}`),
  };
}

/**
 * Removes the active snapshots and views a killed build left (their key names a dead pid): they would
 * otherwise pin their parent chains forever. Containers' snapshots carry no pid and are never touched.
 */
async function removeDeadBuildSnapshots(snapshotter: Snapshotter): Promise<number> {
  let bytes = 0;
  for (const snapshot of await snapshotter.list()) {
    const pid = ownerPidOf(snapshot.name);
    if (snapshot.kind === 'committed' || pid === undefined || processAlive(pid)) continue;
    const size = (await snapshotter.usage(snapshot.name).catch(() => ({ size: 0 }))).size;
    try {
      await snapshotter.remove(snapshot.name);
      bytes += size;
    } catch (err) {
      if (!(err instanceof ConflictError || err instanceof NotFoundError)) throw err;
    }
  }
  return bytes;
}

/** Removes build cache per `policy` (see cache/gc.ts for what -a, until and keep-storage mean). */
export async function pruneBuildCache(deps: CachePruneDeps, policy: PrunePolicy): Promise<PruneResult> {
  return withCacheLock(deps.records.dir, async () => {
    const leftoverBytes = await removeDeadBuildSnapshots(deps.snapshotter);
    const facts = await gatherFacts(deps);
    const plan = planPrune(facts, policy);
    const deleted = [...plan.records, ...facts.unreadable];
    for (const key of deleted) await deps.records.delete(key);
    await deps.records.forgetLastUses(new Set(deleted));
    await deps.records.removeStaleTemps(staleTempMs);
    let reclaimedBytes = plan.reclaimedBytes + leftoverBytes;
    for (const name of plan.snapshots) {
      try {
        await deps.snapshotter.remove(name);
      } catch (err) {
        // Something outside the plan's facts (a snapshot prepared on it since) keeps it: then it stays.
        if (!(err instanceof ConflictError || err instanceof NotFoundError)) throw err;
        reclaimedBytes -= facts.sizeOf({ kind: 'snapshot', name }) ?? 0;
      }
    }
    for (const digest of plan.blobs) await deps.content.delete(digest as Sha256Digest);
    await forgetStateChecksums(deps.stateChecksumDir, async (name) => (await deps.snapshotter.stat(name)) !== undefined);
    // A replay names the records its build used: with one of them gone it is a miss, so none is worth keeping.
    // Parses are kept one per Dockerfile text ever built: a prune that frees space starts them over.
    if (deleted.length > 0) await Promise.all([deps.replaysDir, deps.parsesDir].map((dir) => rm(dir, { recursive: true, force: true })));
    // Cache mounts have no use times worth filtering on: only a plain -a takes them, and only while no build runs.
    if (policy.all && policy.unusedForMs === undefined && policy.keepBytes === undefined && !facts.buildsRunning) {
      const mounts = await listCacheMounts(deps.cacheMountsDir);
      await removeCacheMounts(deps.cacheMountsDir, mounts);
      deleted.push(...mounts.map((m) => m.id));
      reclaimedBytes += mounts.reduce((sum, m) => sum + m.size, 0);
    }
    return { deleted, reclaimedBytes };
  });
}

/** What `system df` shows for the build cache. Reads only: no lock, so it may be a moment behind a running prune. */
export async function measureBuildCache(deps: CachePruneDeps, now: number): Promise<BuildCacheUsage> {
  const facts = await gatherFacts(deps);
  const heldBlobs = new Set(facts.held.blobs);
  const records = facts.records.map((record) => {
    const top = record.references.blobs.at(-1);
    return { ...record, inUse: facts.leasedKeys.has(record.key), shared: top !== undefined && heldBlobs.has(top) };
  });
  const cacheMounts = await listCacheMounts(deps.cacheMountsDir);
  const mountBytes = cacheMounts.reduce((sum, m) => sum + m.size, 0);
  return {
    records,
    cacheMounts,
    active: records.filter((r) => r.inUse).length + (facts.buildsRunning ? cacheMounts.length : 0),
    size: cacheBytes(facts) + mountBytes,
    reclaimable: planPrune(facts, { all: true, now }).reclaimedBytes + (facts.buildsRunning ? 0 : mountBytes),
  };
}
