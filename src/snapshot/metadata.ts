// The snapshot table of one snapshotter: metadata.json and its journal (cache/journaled-table.ts), changed
// under a cross-process lock (state-lock.ts), so concurrent tsbuild processes sharing a state root never
// lose each other's updates and readers never see half a change.
import { join } from 'node:path';
import { JournaledTable } from '../../cache/index.js';
import { lockState } from './state-lock.js';
import type { SnapshotKind } from './snapshotter.js';

export interface SnapshotRecord {
  /** Storage folder name under snapshots/: stable across commit (key → name). */
  id: string;
  kind: SnapshotKind;
  parent: string | undefined;
  created: string; // ISO time
  /**
   * Boot id of a commit whose data may still be only in the page cache (writable overlays are mounted
   * volatile, which skips every sync); cleared once a filesystem sync has covered it.
   */
  unsyncedBoot?: string;
}

export interface SnapshotTable {
  version: 1;
  nextId: number;
  snapshots: Record<string, SnapshotRecord>;
}

export type SnapshotMetadata = JournaledTable<SnapshotTable>;

export function snapshotMetadata(dir: string): SnapshotMetadata {
  return new JournaledTable<SnapshotTable>({
    dir,
    name: 'metadata',
    empty: () => ({ version: 1, nextId: 1, snapshots: {} }),
    lock: () => lockState(join(dir, 'metadata.lock'), { retries: 200, minTimeout: 2, maxTimeout: 50 }),
    // Snapshot data is not flushed either: records of unsynced commits are dropped after a crash (unsyncedBoot).
    durable: false,
  });
}
