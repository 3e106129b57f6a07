// The snapshot table of one snapshotter: metadata.json, the whole table as of its last compaction, plus
// metadata.journal, one JSON line per change since. A change appends its line under a cross-process lock
// (state-lock.ts) instead of rewriting a table that grows with every build (5,000 snapshots make 1.2 MB,
// which ~6 rewrites per build turned into +110 ms); once the journal outgrows a quarter of the table, the
// table is written anew and the journal emptied. Readers take no lock (see read()).
// File calls are sync: every snapshot operation reads the table, and each call is a small read or stat.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
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

/** How a change edits the table; a change's edits are one journal line, so a crash keeps all or none. */
export interface TableEdit {
  readonly snapshots: Readonly<Record<string, SnapshotRecord>>;
  set(name: string, record: SnapshotRecord): void;
  delete(name: string): void;
  /** A storage id no snapshot has had. */
  takeId(): string;
}

/** One edit of a journal line. Replaying a whole journal over a table that already holds its edits changes nothing. */
type Edit = { set: string; record: SnapshotRecord } | { delete: string } | { nextId: number };

/** The table as this process last read it, and which files it came from. */
interface ReadState {
  /** Stat identity of the metadata.json read: it changes at each compaction, so it names the journal's generation. */
  baseIdentity: string;
  baseBytes: number;
  /** Bytes of the journal applied, up to the end of its last complete line. */
  applied: number;
  table: SnapshotTable;
}

const minCompactBytes = 64 * 1024;

export class SnapshotMetadata {
  private readonly baseFile: string;
  private readonly journalFile: string;
  private state: ReadState | undefined;

  constructor(private readonly dir: string) {
    this.baseFile = join(dir, 'metadata.json');
    this.journalFile = join(dir, 'metadata.journal');
  }

  /**
   * The current table, to read only: update() is the way to change it. Lock-free: the journal is opened
   * before the table file is looked at, and a compaction replaces the table before the journal. So an
   * unchanged table file means the open journal is the one this process read before (only its new lines
   * are applied); a new table file is read with the journal opened, which then holds at most the edits the
   * table already has (replayed, they change nothing), unless that journal was itself replaced meanwhile:
   * then the read starts over.
   */
  async read(): Promise<SnapshotTable> {
    for (;;) {
      const journal = openIfExists(this.journalFile);
      try {
        const base = statSync(this.baseFile, { bigint: true, throwIfNoEntry: false });
        const baseIdentity = base === undefined ? 'none' : statIdentity(base);
        if (this.state?.baseIdentity === baseIdentity) {
          if (journal !== undefined) this.applyJournal(journal, this.state);
          return this.state.table;
        }
        const state = this.readBase();
        if (journal !== undefined) {
          this.applyJournal(journal, state);
          if (fstatSync(journal).nlink === 0) continue; // replaced while read: its table may be newer than state's
        }
        this.state = state;
        return state.table;
      } finally {
        if (journal !== undefined) closeSync(journal);
      }
    }
  }

  /** Runs `change` on the current table under the lock and journals the edits it makes. */
  async update<T>(change: (table: TableEdit) => T | Promise<T>): Promise<T> {
    mkdirSync(this.dir, { recursive: true });
    const release = await lockState(join(this.dir, 'metadata.lock'), { retries: 200, minTimeout: 2, maxTimeout: 50 });
    try {
      const table = await this.read();
      const edits: Edit[] = [];
      // Edits land in the kept table at once, so `change` sees its own; if anything fails the kept table
      // is dropped and the next read starts from the files.
      const edit: TableEdit = {
        snapshots: table.snapshots,
        set: (name, record) => {
          table.snapshots[name] = record;
          edits.push({ set: name, record });
        },
        delete: (name) => {
          delete table.snapshots[name];
          edits.push({ delete: name });
        },
        takeId: () => {
          const id = table.nextId++;
          edits.push({ nextId: table.nextId });
          return String(id);
        },
      };
      try {
        const result = await change(edit);
        if (edits.length > 0) this.append(edits);
        return result;
      } catch (err) {
        this.state = undefined;
        throw err;
      }
    } finally {
      await release();
    }
  }

  private readBase(): ReadState {
    const fd = openIfExists(this.baseFile);
    if (fd === undefined) return { baseIdentity: 'none', baseBytes: 0, applied: 0, table: emptyTable() };
    try {
      const info = fstatSync(fd, { bigint: true });
      const text = readAt(fd, 0, Number(info.size)).toString('utf8');
      return { baseIdentity: statIdentity(info), baseBytes: text.length, applied: 0, table: JSON.parse(text) as SnapshotTable };
    } finally {
      closeSync(fd);
    }
  }

  /** Applies the journal's complete lines past `state.applied`; an unreadable line (torn by a crash) is skipped. */
  private applyJournal(fd: number, state: ReadState): void {
    const size = fstatSync(fd).size;
    if (size <= state.applied) return;
    const bytes = readAt(fd, state.applied, size - state.applied);
    const end = bytes.lastIndexOf(0x0a) + 1; // a line still being written is left for the next read
    for (const line of bytes.subarray(0, end).toString('utf8').split('\n')) {
      let edits: Edit[];
      try {
        edits = JSON.parse(line) as Edit[];
      } catch {
        continue;
      }
      for (const edit of edits) applyEdit(state.table, edit);
    }
    state.applied += end;
  }

  /** Appends `edits` (the lock is held and the kept table already has them), compacting when the journal is large. */
  private append(edits: Edit[]): void {
    const state = this.state as ReadState;
    const fd = openSync(this.journalFile, 'a+');
    let size: number;
    try {
      size = fstatSync(fd).size;
      // A line torn by a crash must not swallow the first of these: it gets a line of its own.
      const torn = size > 0 && readAt(fd, size - 1, 1)[0] !== 0x0a;
      const text = Buffer.from(`${torn ? '\n' : ''}${JSON.stringify(edits)}\n`);
      for (let offset = 0; offset < text.byteLength; ) offset += writeSync(fd, text, offset);
      size += text.byteLength;
    } finally {
      closeSync(fd);
    }
    state.applied = size;
    if (size > Math.max(minCompactBytes, state.baseBytes / 4)) this.compact(state);
  }

  /** Writes the whole table as the new metadata.json, then an empty journal: in that order (see read()). */
  private compact(state: ReadState): void {
    const text = JSON.stringify(state.table);
    const baseTemp = `${this.baseFile}.${process.pid}.tmp`;
    writeFileSync(baseTemp, text);
    renameSync(baseTemp, this.baseFile);
    const journalTemp = `${this.journalFile}.${process.pid}.tmp`;
    writeFileSync(journalTemp, '');
    renameSync(journalTemp, this.journalFile);
    this.state = { baseIdentity: statIdentity(statSync(this.baseFile, { bigint: true })), baseBytes: text.length, applied: 0, table: state.table };
  }
}

function applyEdit(table: SnapshotTable, edit: Edit): void {
  if ('set' in edit) table.snapshots[edit.set] = edit.record;
  else if ('delete' in edit) delete table.snapshots[edit.delete];
  else table.nextId = Math.max(table.nextId, edit.nextId);
}

function openIfExists(path: string): number | undefined {
  try {
    return openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  for (let done = 0; done < length; ) {
    const read = readSync(fd, buffer, done, length - done, position + done);
    if (read === 0) return buffer.subarray(0, done);
    done += read;
  }
  return buffer;
}

function emptyTable(): SnapshotTable {
  return { version: 1, nextId: 1, snapshots: {} };
}
