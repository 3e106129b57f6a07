// Build-cache garbage collection as a plan: given the records, what else holds resources (tags,
// containers, running builds) and the snapshot parent links, decide which records go (by --all,
// until-age and --keep-storage in least-recently-used order) and which snapshots and blobs that frees.
// Pure logic: the caller gathers the facts, holds the lock and carries the plan out in its order.
//
// Without `all`, only dangling records go: those no step's newest build used (a rebuild of every
// Dockerfile seen so far would hit only kept records). With `all`, every record not in use goes.
// `until` and keep-storage narrow either set: only records unused for that long are candidates, and
// with keep-storage candidates go least recently used first, only until the cache's own bytes fit.
// A resource is freed only when no kept record references it, nothing outside the cache holds it,
// and no snapshot that stays is built on it.
import type { CacheRecord, ResourceRefs } from './records.js';

export interface PrunePolicy {
  /** Every unused record, not just dangling ones (`-a`). */
  all: boolean;
  /** `--filter until=…`: only records unused for at least this many milliseconds. */
  unusedForMs?: number | undefined;
  /** `--keep-storage`: stop once the cache's bytes are at most this (least recently used go first). */
  keepBytes?: number | undefined;
  /** Epoch milliseconds. */
  now: number;
}

export interface PruneFacts {
  records: Pick<CacheRecord, 'key' | 'references' | 'lastUsedAt'>[];
  /** Keys the newest build of each step identity used. */
  lastKeys: ReadonlySet<string>;
  /** Keys running builds use (their leases): never removed. */
  leasedKeys: ReadonlySet<string>;
  /** Resources held outside the records: tags, containers, running builds. */
  held: ResourceRefs;
  /** Every existing snapshot → its parent. A snapshot missing here no longer exists. */
  snapshotParents: ReadonlyMap<string, string | undefined>;
  /** Bytes of an existing resource; undefined when it no longer exists. */
  sizeOf(resource: Resource): number | undefined;
}

export type Resource = { kind: 'snapshot'; name: string } | { kind: 'blob'; digest: string };

export interface PrunePlan {
  /** Record keys to delete, least recently used first. */
  records: string[];
  /** Snapshots to remove, children before parents. */
  snapshots: string[];
  blobs: string[];
  /** Bytes the removals free. */
  reclaimedBytes: number;
}

const idOf = (r: Resource): string => (r.kind === 'snapshot' ? `snapshot:${r.name}` : `blob:${r.digest}`);

function resourcesOf(refs: ResourceRefs): Resource[] {
  return [...refs.snapshots.map((name): Resource => ({ kind: 'snapshot', name })), ...refs.blobs.map((digest): Resource => ({ kind: 'blob', digest }))];
}

/** Snapshots no prune may remove: held ones, those no record references, and every ancestor of either. */
function pinnedSnapshots(facts: PruneFacts): Set<string> {
  const referenced = new Set(facts.records.flatMap((r) => r.references.snapshots));
  const pinned = new Set<string>();
  const pin = (name: string): void => {
    for (let at: string | undefined = name; at !== undefined && !pinned.has(at); at = facts.snapshotParents.get(at)) pinned.add(at);
  };
  for (const name of facts.held.snapshots) pin(name);
  for (const name of facts.snapshotParents.keys()) if (!referenced.has(name)) pin(name);
  return pinned;
}

/** Bytes the cache owns on its own: resources records reference that nothing else holds, each counted once. */
class Accounting {
  private readonly users = new Map<string, number>();
  private readonly sizes = new Map<string, number>();
  private readonly freeable = new Map<string, Resource>();
  bytes = 0;

  constructor(
    records: PruneFacts['records'],
    facts: PruneFacts,
  ) {
    const pinned = pinnedSnapshots(facts);
    const heldBlobs = new Set(facts.held.blobs);
    for (const record of records) {
      for (const resource of resourcesOf(record.references)) {
        const id = idOf(resource);
        const count = this.users.get(id) ?? 0;
        this.users.set(id, count + 1);
        if (count > 0) continue;
        const gone = resource.kind === 'snapshot' && !facts.snapshotParents.has(resource.name);
        const size = gone ? undefined : facts.sizeOf(resource);
        if (size === undefined) continue; // already gone
        const kept = resource.kind === 'snapshot' ? pinned.has(resource.name) : heldBlobs.has(resource.digest);
        if (kept) continue;
        this.sizes.set(id, size);
        this.freeable.set(id, resource);
        this.bytes += size;
      }
    }
  }

  /** Drops one record's references; returns the resources nothing uses any more. */
  release(references: ResourceRefs): Resource[] {
    const freed: Resource[] = [];
    for (const resource of resourcesOf(references)) {
      const id = idOf(resource);
      const count = (this.users.get(id) ?? 1) - 1;
      this.users.set(id, count);
      if (count > 0 || !this.freeable.has(id)) continue;
      freed.push(this.freeable.get(id) as Resource);
      this.bytes -= this.sizes.get(id) ?? 0;
      this.freeable.delete(id);
    }
    return freed;
  }
}

/** Bytes of the whole build cache (what `system df` shows as its size). */
export function cacheBytes(facts: PruneFacts): number {
  return new Accounting(facts.records, facts).bytes;
}

/** Which records, snapshots and blobs a prune with `policy` removes. */
export function planPrune(facts: PruneFacts, policy: PrunePolicy): PrunePlan {
  const accounting = new Accounting(facts.records, facts);
  const candidates = facts.records
    .filter((r) => !facts.leasedKeys.has(r.key))
    .filter((r) => policy.all || !facts.lastKeys.has(r.key))
    .filter((r) => policy.unusedForMs === undefined || policy.now - r.lastUsedAt >= policy.unusedForMs)
    .sort((a, b) => a.lastUsedAt - b.lastUsedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const plan: PrunePlan = { records: [], snapshots: [], blobs: [], reclaimedBytes: 0 };
  const before = accounting.bytes;
  const freedSnapshots: string[] = [];
  for (const record of candidates) {
    if (policy.keepBytes !== undefined && accounting.bytes <= policy.keepBytes) break;
    plan.records.push(record.key);
    for (const resource of accounting.release(record.references)) {
      if (resource.kind === 'snapshot') freedSnapshots.push(resource.name);
      else plan.blobs.push(resource.digest);
    }
  }
  // Records are expected to list whole chains, which keeps parents of kept snapshots referenced; a
  // record that does not is still safe: a snapshot something else is built on stays.
  const freed = new Set(freedSnapshots);
  let keptBack = 0;
  for (const name of facts.snapshotParents.keys()) {
    if (freed.has(name)) continue;
    for (let at = facts.snapshotParents.get(name); at !== undefined; at = facts.snapshotParents.get(at)) {
      if (freed.delete(at)) keptBack += facts.sizeOf({ kind: 'snapshot', name: at }) ?? 0;
    }
  }
  plan.snapshots = childrenFirst([...freed], facts.snapshotParents);
  plan.reclaimedBytes = before - accounting.bytes - keptBack;
  return plan;
}

/** Orders snapshots so each comes before its ancestors (deepest chain first). */
function childrenFirst(names: string[], parents: ReadonlyMap<string, string | undefined>): string[] {
  const depth = (name: string): number => {
    let n = 0;
    for (let at = parents.get(name); at !== undefined; at = parents.get(at)) n++;
    return n;
  };
  return names.map((name) => ({ name, depth: depth(name) })).sort((a, b) => b.depth - a.depth || (a.name < b.name ? -1 : 1)).map((e) => e.name);
}
