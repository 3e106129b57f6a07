// The snapshot table of one snapshotter, persisted as metadata.json in its folder. Every change runs
// under a cross-process lock (state-lock.ts) and lands with an atomic rename, so concurrent tsbuild
// processes sharing a state root never lose each other's updates; readers never see half a file.
// File calls are sync: the table is one small file read on every snapshot operation.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

export class SnapshotMetadata {
  private readonly file: string;
  constructor(private readonly dir: string) {
    this.file = join(dir, 'metadata.json');
  }

  async read(): Promise<SnapshotTable> {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as SnapshotTable;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, nextId: 1, snapshots: {} };
      throw err;
    }
  }

  /** Runs `change` on the current table under the lock and saves the table it leaves behind. */
  async update<T>(change: (table: SnapshotTable) => T | Promise<T>): Promise<T> {
    mkdirSync(this.dir, { recursive: true });
    const release = await lockState(join(this.dir, 'metadata.lock'), { retries: 200, minTimeout: 2, maxTimeout: 50 });
    try {
      const table = await this.read();
      const result = await change(table);
      const temp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(table));
      renameSync(temp, this.file);
      return result;
    } finally {
      await release();
    }
  }
}
