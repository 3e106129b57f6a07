// The build cache as builds use it: step key parts → the FsState a step produced, through cache/'s
// keys and records. A record is a hit only while its snapshot and layer blobs exist. Every result a
// build holds is written to the build's lease under the cache lock, which a prune takes for its whole
// run: so a prune never frees what a running build uses, and a build never trusts a record a prune is
// taking apart. Each step's last parts are kept by a stable identity so a miss can be explained.
import { join } from 'node:path';
import { comparePreimages, computeCacheKey, RecordStore, type CacheKey, type LastUse, type ResourceRefs } from '../../cache/index.js';
import { ConflictError } from '../errors.js';
import { lockState } from '../snapshot/state-lock.js';
import { snapshotName, type FsDeps, type FsState } from './fs-state.js';

type ResourceDeps = Pick<FsDeps, 'snapshotter' | 'content'>;

/**
 * Runs `body` holding the cache lock of the store at `dir` (shared by every tsbuild process on the
 * state root). Builds hold it for moments; a prune for its whole run, so builds wait for it.
 */
export async function withCacheLock<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const release = await lockState(join(dir, 'cache.lock'), { forever: true, minTimeout: 10, maxTimeout: 250 });
  try {
    return await body();
  } finally {
    await release();
  }
}

/** What a state holds: the snapshot of every prefix of its layer chain (parents first), its layer blobs and its copy record. */
export function referencesOf(state: FsState): ResourceRefs {
  const snapshots: string[] = [];
  for (let i = 1; i <= state.layers.length; i++) snapshots.push(snapshotName(state.layers.slice(0, i)) as string);
  if (state.snapshot !== undefined && !snapshots.includes(state.snapshot)) snapshots.push(state.snapshot);
  const blobs: string[] = state.layers.map((layer) => layer.descriptor.digest);
  if (state.copiedFiles !== undefined) blobs.push(state.copiedFiles);
  return { snapshots, blobs };
}

/** The top snapshot stands for its chain: a snapshotter never removes a parent while a child exists. */
async function resourcesExist(deps: ResourceDeps, refs: ResourceRefs): Promise<boolean> {
  const top = refs.snapshots.at(-1);
  if (top !== undefined && !(await deps.snapshotter.stat(top))) return false;
  for (const digest of refs.blobs) if (!(await deps.content.has(digest as `sha256:${string}`))) return false;
  return true;
}

function isFsState(value: unknown): value is FsState {
  const state = value as FsState | null;
  return typeof state === 'object' && state !== null && Array.isArray(state.layers) && (state.snapshot === undefined || typeof state.snapshot === 'string');
}

export class BuildCache {
  private readonly leaseId: string;
  /** Whether this build's lease file exists (its first extension made it). */
  private leaseStarted = false;
  private readonly leased = { keys: new Set<string>(), snapshots: new Set<string>(), blobs: new Set<string>() };
  /** Keys by parts list: a step's lookup, remember and store get the same list, which can be 20,000 parts long. */
  private readonly keys = new WeakMap<string[], CacheKey>();
  private readonly lastUses = new Map<string, Promise<LastUse | undefined>>();
  /** Parallel steps of this build take the lock in turn: queueing here is free, contending for the file lock polls with backoff. */
  private turn: Promise<void> = Promise.resolve();

  private constructor(
    private readonly records: RecordStore,
    private readonly deps: ResourceDeps,
  ) {
    this.leaseId = records.newLeaseId();
  }

  /** The cache at `dir` (statePaths.cache/build), checking resources with `deps`. */
  static async open(dir: string, deps: ResourceDeps): Promise<BuildCache> {
    return new BuildCache(await RecordStore.open(dir), deps);
  }

  /** What the identity used last; read once (a missed COPY asks twice: why, and what it gave). */
  private lastUse(identity: string): Promise<LastUse | undefined> {
    let use = this.lastUses.get(identity);
    if (use === undefined) {
      use = this.records.getLast(identity);
      this.lastUses.set(identity, use);
    }
    return use;
  }

  private keyOf(parts: string[]): CacheKey {
    let key = this.keys.get(parts);
    if (key === undefined) {
      key = computeCacheKey(parts);
      this.keys.set(parts, key);
    }
    return key;
  }

  private locked<T>(body: () => Promise<T>): Promise<T> {
    const run = this.turn.then(() => withCacheLock(this.records.dir, body));
    this.turn = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Adds to this build's lease what it does not hold yet; the caller holds the lock. */
  private async lease(key: string | undefined, refs: ResourceRefs): Promise<void> {
    const fresh = <T>(held: Set<T>, items: T[]): T[] => {
      const added = [...new Set(items)].filter((item) => !held.has(item));
      for (const item of added) held.add(item);
      return added;
    };
    const added = {
      keys: fresh(this.leased.keys, key === undefined ? [] : [key]),
      snapshots: fresh(this.leased.snapshots, refs.snapshots),
      blobs: fresh(this.leased.blobs, refs.blobs),
    };
    // The first call writes even nothing: a lease of any content keeps prunes off the cache mounts.
    if (this.leaseStarted && added.keys.length + added.snapshots.length + added.blobs.length === 0) return;
    await this.records.extendLease(this.leaseId, added);
    this.leaseStarted = true;
  }

  /** The cached result for `parts`, if its snapshots and layer blobs still exist; leased until release(). */
  async lookup(deps: ResourceDeps, parts: string[]): Promise<FsState | undefined> {
    const { key } = this.keyOf(parts);
    return this.locked(async () => {
      const record = await this.records.get(key);
      if (!record || !isFsState(record.result)) return undefined;
      if (!(await resourcesExist(deps, record.references))) return undefined;
      await this.lease(key, record.references);
      await this.records.touch(key);
      return record.result;
    });
  }

  /** Records what a step produced. Fails (asking for a rebuild) if a prune took its resources meanwhile. */
  async store(identity: string, parts: string[], state: FsState): Promise<void> {
    const { key, preimage } = this.keyOf(parts);
    const references = referencesOf(state);
    await this.locked(async () => {
      await this.leaseExisting(key, references);
      await this.records.put({ key, preimage, result: state, references, size: state.layers.at(-1)?.descriptor.size ?? 0 });
    });
    await this.noteLast(identity, { key, preimage });
  }

  /**
   * Leases a result that did not come from the cache (an unpacked base image), so no prune takes it
   * mid-build; the first hold also starts the lease that keeps prunes off the cache mounts.
   */
  async hold(state: FsState): Promise<void> {
    await this.locked(() => this.leaseExisting(undefined, referencesOf(state)));
  }

  /** Leases a result just made; a prune may have taken part of it between its making and now. */
  private async leaseExisting(key: string | undefined, references: ResourceRefs): Promise<void> {
    if (!(await resourcesExist(this.deps, references))) {
      throw new ConflictError('the build cache was pruned while this step ran and took part of its result: run the build again');
    }
    await this.lease(key, references);
  }

  /** The record files of every result this build took from the cache or stored in it. */
  usedRecordFiles(): string[] {
    return [...this.leased.keys].map((key) => this.records.recordFile(key));
  }

  /** Ends this build's lease; what it held is a prune's to judge again. */
  async release(): Promise<void> {
    await this.records.deleteLease(this.leaseId);
  }

  /** Notes the parts this step used now (hit or miss), to explain its next miss. */
  async remember(identity: string, parts: string[]): Promise<void> {
    const { key, preimage } = this.keyOf(parts);
    await this.noteLast(identity, { key, preimage });
  }

  private async noteLast(identity: string, use: LastUse): Promise<void> {
    this.lastUses.set(identity, Promise.resolve(use));
    await this.records.rememberLast(identity, use);
  }

  /**
   * The result the same step gave last time, when its record is still there; not leased, so its
   * snapshot may go at any moment (a COPY reusing its files falls back to copying).
   */
  async previousResult(identity: string): Promise<FsState | undefined> {
    const previous = await this.lastUse(identity);
    const record = previous && (await this.records.get(previous.key));
    return record && isFsState(record.result) ? record.result : undefined;
  }

  /** Why `parts` missed, compared with what the same step used last time, in people's words. */
  async explainMiss(identity: string, parts: string[]): Promise<string> {
    const previous = await this.lastUse(identity);
    if (!previous) return 'no previous build of this step';
    return describeDifference(previous.preimage, parts);
  }
}

/** A part name (cache/keys partName) as people read it. */
function spoken(name: string): string {
  const [kind = '', item = ''] = name.split(' ');
  if (kind === 'arg') return `build arg ${item}`;
  if (kind === 'parent') return 'the step before it';
  if (kind === 'from') return 'the stage it copies from';
  return name;
}

/** "file src/app.js changed", "build arg VERSION changed", "command changed", … from two part lists. */
export function describeDifference(previous: string[], current: string[]): string {
  const reasons = comparePreimages(previous, current).map(({ name, change }) => `${spoken(name)} ${change}`);
  if (reasons.length === 0) return 'cache record missing';
  return reasons.length > 3 ? `${reasons.slice(0, 3).join(', ')} and ${reasons.length - 3} more` : reasons.join(', ');
}
