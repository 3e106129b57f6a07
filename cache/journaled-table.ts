// A JSON table of the state root (the snapshot table, the image records and tags) that grows with every
// build: `<name>.json` holds the whole table as of its last compaction and `<name>.journal` one JSON line
// per change since. A change appends its line under a cross-process lock instead of rewriting the table
// (with 5,000 snapshots the table was 1.2 MB and ~6 rewrites per build cost +110 ms); once the journal
// outgrows a quarter of the table, the table is written anew and the journal emptied. Readers take no lock
// (see read()). File calls are sync: each is a small read or a stat, made on most store operations.
import { closeSync, fdatasyncSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { statIdentity } from './stat-identity.js';

/** The maps of a table (name → record) and its counters. */
type MapName<S> = { [K in keyof S]: S[K] extends Record<string, unknown> ? K : never }[keyof S] & string;
type MapValue<S, M extends keyof S> = S[M] extends Record<string, infer V> ? V : never;
type CounterName<S> = { [K in keyof S]: S[K] extends number ? K : never }[keyof S] & string;

/** How a change edits the table. A change's edits are one journal line, so a crash keeps all or none. */
export interface TableEdit<S> {
  /** The table as it stands, this change's edits included. */
  readonly table: S;
  set<M extends MapName<S>>(map: M, key: string, value: MapValue<S, M>): void;
  delete<M extends MapName<S>>(map: M, key: string): void;
  /** The counter's value, which it leaves one higher. */
  take<C extends CounterName<S>>(counter: C): number;
}

/** One edit. Replaying a whole journal over a table that already holds its edits changes nothing. */
type Edit = { set: [string, string]; value: unknown } | { delete: [string, string] } | { counter: string; atLeast: number };

export interface JournaledTableOptions<S> {
  dir: string;
  /** Files are `<name>.json` and `<name>.journal`. */
  name: string;
  empty: () => S;
  /** Takes the table's cross-process lock; resolves with its release. Without it the table is read-only. */
  lock?: () => Promise<() => Promise<void>>;
  /** Flush each change to disk before it counts as made (image tags must survive a crash). */
  durable: boolean;
}

/** The table as this process last read it, and which files it came from. */
interface ReadState<S> {
  /** Stat identity of the table file read: it changes at each compaction, so it names the journal's generation. */
  baseIdentity: string;
  baseBytes: number;
  /** Bytes of the journal applied, up to the end of its last complete line. */
  applied: number;
  table: S;
}

const minCompactBytes = 64 * 1024;

export class JournaledTable<S extends object> {
  private readonly baseFile: string;
  private readonly journalFile: string;
  private state: ReadState<S> | undefined;

  constructor(private readonly options: JournaledTableOptions<S>) {
    this.baseFile = join(options.dir, `${options.name}.json`);
    this.journalFile = join(options.dir, `${options.name}.journal`);
  }

  /**
   * The current table, to read only: update() is the way to change it. Lock-free: the journal is opened
   * before the table file is looked at, and a compaction replaces the table before the journal. So an
   * unchanged table file means the open journal is the one this process read before (only its new lines
   * are applied); a new table file is read with the journal opened, which then holds at most the edits the
   * table already has (replayed, they change nothing), unless that journal was itself replaced meanwhile:
   * then the read starts over.
   */
  read(): S {
    for (;;) {
      const journal = openIfExists(this.journalFile);
      try {
        const base = statSync(this.baseFile, { bigint: true, throwIfNoEntry: false });
        const baseIdentity = base === undefined ? 'none' : statIdentity(base);
        if (this.state?.baseIdentity === baseIdentity) {
          if (journal !== undefined) applyJournal(journal, this.state);
          return this.state.table;
        }
        const state = this.readBase();
        if (journal !== undefined) {
          applyJournal(journal, state);
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
  async update<T>(change: (edit: TableEdit<S>) => T | Promise<T>): Promise<T> {
    if (this.options.lock === undefined) throw new Error(`${this.baseFile} is opened read-only`);
    mkdirSync(this.options.dir, { recursive: true });
    const release = await this.options.lock();
    try {
      const table = this.read();
      const maps = table as Record<string, Record<string, unknown>>;
      const counters = table as Record<string, number>;
      const edits: Edit[] = [];
      // Edits land in the kept table at once, so `change` sees its own; if anything fails the kept table
      // is dropped and the next read starts from the files.
      const edit: TableEdit<S> = {
        table,
        set: (map, key, value) => {
          const records = (maps[map] ??= {});
          if (key in records && JSON.stringify(records[key]) === JSON.stringify(value)) return; // no change, no line
          records[key] = value;
          edits.push({ set: [map, key], value });
        },
        delete: (map, key) => {
          const records = maps[map];
          if (records === undefined || !(key in records)) return;
          delete records[key];
          edits.push({ delete: [map, key] });
        },
        take: (counter) => {
          const value = counters[counter] as number;
          counters[counter] = value + 1;
          edits.push({ counter, atLeast: value + 1 });
          return value;
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

  private readBase(): ReadState<S> {
    const fd = openIfExists(this.baseFile);
    if (fd === undefined) return { baseIdentity: 'none', baseBytes: 0, applied: 0, table: this.options.empty() };
    try {
      const info = fstatSync(fd, { bigint: true });
      const text = readAt(fd, 0, Number(info.size)).toString('utf8');
      return { baseIdentity: statIdentity(info), baseBytes: text.length, applied: 0, table: JSON.parse(text) as S };
    } finally {
      closeSync(fd);
    }
  }

  /** Appends `edits` (the lock is held and the kept table already has them), compacting when the journal is large. */
  private append(edits: Edit[]): void {
    const state = this.state as ReadState<S>;
    const fd = openSync(this.journalFile, 'a+');
    let size: number;
    try {
      size = fstatSync(fd).size;
      // A line torn by a crash must not swallow this one: it gets a line of its own.
      const torn = size > 0 && readAt(fd, size - 1, 1)[0] !== 0x0a;
      const text = Buffer.from(`${torn ? '\n' : ''}${JSON.stringify(edits)}\n`);
      for (let offset = 0; offset < text.byteLength; ) offset += writeSync(fd, text, offset);
      if (this.options.durable) fdatasyncSync(fd);
      size += text.byteLength;
    } finally {
      closeSync(fd);
    }
    state.applied = size;
    if (size <= Math.max(minCompactBytes, state.baseBytes / 4)) return;
    try {
      this.compact(state);
    } catch {
      // The change is already in the journal; the next change tries the compaction again.
      this.state = undefined;
    }
  }

  /** Writes the whole table as the new table file, then an empty journal: in that order (see read()). */
  private compact(state: ReadState<S>): void {
    const text = JSON.stringify(state.table);
    const baseTemp = `${this.baseFile}.${process.pid}.tmp`;
    writeFileSync(baseTemp, text, { flush: this.options.durable });
    renameSync(baseTemp, this.baseFile);
    const journalTemp = `${this.journalFile}.${process.pid}.tmp`;
    writeFileSync(journalTemp, '');
    renameSync(journalTemp, this.journalFile);
    this.state = { baseIdentity: statIdentity(statSync(this.baseFile, { bigint: true })), baseBytes: text.length, applied: 0, table: state.table };
  }
}

/** Applies the journal's complete lines past `state.applied`; an unreadable line (torn by a crash) is skipped. */
function applyJournal<S>(fd: number, state: ReadState<S>): void {
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
    for (const edit of edits) applyEdit(state.table as Record<string, unknown>, edit);
  }
  state.applied += end;
}

function applyEdit(table: Record<string, unknown>, edit: Edit): void {
  if ('set' in edit) {
    const [map, key] = edit.set;
    ((table[map] ??= {}) as Record<string, unknown>)[key] = edit.value;
  } else if ('delete' in edit) {
    const [map, key] = edit.delete;
    delete (table[map] as Record<string, unknown> | undefined)?.[key];
  } else table[edit.counter] = Math.max(table[edit.counter] as number, edit.atLeast);
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
