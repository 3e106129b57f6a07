// The snapshot table of one snapshotter, persisted as metadata.json in its folder. Every change runs
// under a cross-process lock (state-lock.ts) and lands with an atomic rename, so concurrent tsbuild
// processes sharing a state root never lose each other's updates; readers never see half a file.
// File calls are sync: the table is one small file read on every snapshot operation.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { statIdentity } from '../../cache/index.js';
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
  /**
   * The table as last parsed, with the stat identity of the file it came from. Every snapshot operation
   * reads the table, and on a long-used state root it is hundreds of KB; a change is always a new file
   * (rename), so an unchanged identity means an unchanged table.
   */
  private parsed: { identity: string; table: SnapshotTable } | undefined;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'metadata.json');
  }

  /** The current table, to read only: update() is the way to change it. */
  async read(): Promise<SnapshotTable> {
    const st = statSync(this.file, { bigint: true, throwIfNoEntry: false });
    if (st === undefined) return emptyTable();
    const identity = statIdentity(st);
    if (this.parsed?.identity !== identity) this.parsed = { identity, table: this.parse() };
    return this.parsed.table;
  }

  private parse(): SnapshotTable {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as SnapshotTable;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyTable();
      throw err;
    }
  }

  /** Runs `change` on the current table under the lock and saves the table it leaves behind. */
  async update<T>(change: (table: SnapshotTable) => T | Promise<T>): Promise<T> {
    mkdirSync(this.dir, { recursive: true });
    const release = await lockState(join(this.dir, 'metadata.lock'), { retries: 200, minTimeout: 2, maxTimeout: 50 });
    try {
      // Parsed afresh: `change` edits it, and the kept table is shared with readers.
      const table = this.parse();
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

function emptyTable(): SnapshotTable {
  return { version: 1, nextId: 1, snapshots: {} };
}
