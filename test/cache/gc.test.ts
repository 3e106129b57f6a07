import { describe, expect, it } from 'vitest';
import { cacheBytes, planPrune, type PruneFacts, type Resource } from '../../cache/index.js';

const hour = 3_600_000;
const now = 100 * hour;

/**
 * A small world: base image snapshot `base` (tagged image holds it and blob `b0`), and three records
 * built on it: r1 → s1 (blob b1), r2 → s1/s2 (b1, b2), r3 → s3 (b3). Sizes: snapshots 100 each, blobs 10 each.
 */
function world(overrides: Partial<PruneFacts> = {}): PruneFacts {
  const parents = new Map<string, string | undefined>([
    ['base', undefined],
    ['s1', 'base'],
    ['s2', 's1'],
    ['s3', 'base'],
  ]);
  return {
    records: [
      { key: 'r1', references: { snapshots: ['base', 's1'], blobs: ['b0', 'b1'] }, lastUsedAt: now - 5 * hour },
      { key: 'r2', references: { snapshots: ['base', 's1', 's2'], blobs: ['b0', 'b1', 'b2'] }, lastUsedAt: now - 3 * hour },
      { key: 'r3', references: { snapshots: ['base', 's3'], blobs: ['b0', 'b3'] }, lastUsedAt: now - 1 * hour },
    ],
    lastKeys: new Set(['r2', 'r3']),
    leasedKeys: new Set(),
    held: { snapshots: ['base'], blobs: ['b0'] },
    snapshotParents: parents,
    sizeOf: (r: Resource) => (r.kind === 'snapshot' ? (parents.has(r.name) ? 100 : undefined) : 10),
    ...overrides,
  };
}

describe('planPrune', () => {
  it('without all removes only dangling records; shared resources stay', () => {
    const plan = planPrune(world(), { all: false, now });
    expect(plan).toEqual({ records: ['r1'], snapshots: [], blobs: [], reclaimedBytes: 0 });
  });

  it('with all removes every record and frees what nothing else holds, children first', () => {
    const plan = planPrune(world(), { all: true, now });
    expect(plan.records).toEqual(['r1', 'r2', 'r3']);
    expect(plan.snapshots).toEqual(['s2', 's1', 's3']);
    expect(plan.blobs.sort()).toEqual(['b1', 'b2', 'b3']);
    expect(plan.reclaimedBytes).toBe(330);
  });

  it('never frees what a tag or container holds, nor the parents of snapshots that stay', () => {
    // A container's active snapshot sits on s1; another image holds b2.
    const parents = new Map<string, string | undefined>([...world().snapshotParents, ['container-x', 's1']]);
    const plan = planPrune(world({ snapshotParents: parents, held: { snapshots: ['base'], blobs: ['b0', 'b2'] } }), { all: true, now });
    expect(plan.snapshots).toEqual(['s2', 's3']);
    expect(plan.blobs.sort()).toEqual(['b1', 'b3']);
  });

  it('keeps records running builds use, and so their resources', () => {
    const plan = planPrune(world({ leasedKeys: new Set(['r2']) }), { all: true, now });
    expect(plan.records).toEqual(['r1', 'r3']);
    expect(plan.snapshots).toEqual(['s3']);
    expect(plan.blobs).toEqual(['b3']);
  });

  it('until: only records unused for at least the duration', () => {
    const plan = planPrune(world(), { all: true, unusedForMs: 2 * hour, now });
    expect(plan.records).toEqual(['r1', 'r2']);
    expect(plan.snapshots).toEqual(['s2', 's1']);
    expect(plan.reclaimedBytes).toBe(220);
  });

  it('keep-storage: removes least recently used records until the cache fits', () => {
    expect(cacheBytes(world())).toBe(330);
    // r1 alone frees nothing (r2 shares s1/b1), r2 then frees 220 → 110 left ≤ 200.
    const plan = planPrune(world(), { all: true, keepBytes: 200, now });
    expect(plan.records).toEqual(['r1', 'r2']);
    expect(plan.reclaimedBytes).toBe(220);
    expect(planPrune(world(), { all: true, keepBytes: 330, now }).records).toEqual([]);
    expect(planPrune(world(), { all: true, keepBytes: 0, now }).records).toEqual(['r1', 'r2', 'r3']);
  });

  it('skips resources that are already gone', () => {
    const parents = new Map(world().snapshotParents);
    parents.delete('s3');
    const plan = planPrune(world({ snapshotParents: parents }), { all: true, now });
    expect(plan.snapshots).toEqual(['s2', 's1']);
    expect(plan.reclaimedBytes).toBe(230);
  });

  it('keeps a snapshot another one is built on even when no record lists the chain', () => {
    const facts = world({
      records: [{ key: 'r1', references: { snapshots: ['s1'], blobs: [] }, lastUsedAt: 0 }, { key: 'r2', references: { snapshots: ['s2'], blobs: [] }, lastUsedAt: 1 }],
    });
    expect(planPrune(facts, { all: true, keepBytes: 100, now })).toEqual({ records: ['r1'], snapshots: [], blobs: [], reclaimedBytes: 0 });
  });
});
