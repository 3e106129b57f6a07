// RecordStore: the build cache's records on disk — key → {result, the resources it references, preimage,
// times, size} — plus the last preimage of each step identity (to explain the next miss) and the leases
// of running builds (resources a prune must not take). Every file lands with an atomic rename; a record
// that cannot be read or parsed is a miss, never an error. A record's mtime is its last use: a hit
// refreshes it with one utimes instead of rewriting the JSON.
//
// Layout under the store's directory:
//   records/<key>.json     one record per cache key
//   last/<sha256(identity)>.json   {key, preimage} the step with that identity used last
//   leases/<id>.json       {pid, keys, snapshots, blobs} of one running build, one JSON line per addition
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, readSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { readFile, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from './atomic-write.js';
import { sha256Of } from './digest.js';
import type { KeyPart } from './keys.js';

/** What a record holds on to: snapshot names and blob digests ("sha256:…"). */
export interface ResourceRefs {
  snapshots: string[];
  blobs: string[];
}

export interface CacheRecord {
  key: string;
  /** The op's result, opaque here (the ops layer gives it meaning). */
  result: unknown;
  references: ResourceRefs;
  preimage: KeyPart[];
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds (the record file's mtime). */
  lastUsedAt: number;
  /** Bytes this record added to the store (its new layer), as the ops layer measured it. */
  size: number;
}

export type NewRecord = Omit<CacheRecord, 'createdAt' | 'lastUsedAt'>;

/** The step an identity ran last: which key it had and from what parts. */
export interface LastUse {
  key: string;
  preimage: KeyPart[];
}

/** What one running build uses: the records it hit or wrote and every resource its results hold. */
export interface Lease extends ResourceRefs {
  id: string;
  pid: number;
  keys: string[];
}

/** Bumped when the record file format changes; records of other versions read as misses. */
const recordFormat = 1;

interface RecordFile extends Omit<CacheRecord, 'lastUsedAt'> {
  format: typeof recordFormat;
}

const keyPattern = /^[0-9a-f]{64}$/;

export class RecordStore {
  private readonly recordsDir: string;
  private readonly lastDir: string;
  private readonly leasesDir: string;

  private constructor(
    readonly dir: string,
    private readonly now: () => number,
  ) {
    this.recordsDir = join(dir, 'records');
    this.lastDir = join(dir, 'last');
    this.leasesDir = join(dir, 'leases');
  }

  /** Opens (creating) the store at `dir`; `now` is injectable so tests control the clock. */
  static async open(dir: string, options: { now?: () => number } = {}): Promise<RecordStore> {
    const store = new RecordStore(dir, options.now ?? Date.now);
    for (const folder of [store.recordsDir, store.lastDir, store.leasesDir]) mkdirSync(folder, { recursive: true });
    return store;
  }

  /** The file holding the record of `key` (its mtime is the record's last use). */
  recordFile(key: string): string {
    if (!keyPattern.test(key)) throw new Error(`not a cache key: ${key}`);
    return join(this.recordsDir, `${key}.json`);
  }

  /** The record for `key`; undefined when absent, unreadable, corrupt or of another format. */
  async get(key: string): Promise<CacheRecord | undefined> {
    const path = this.recordFile(key);
    try {
      const file = JSON.parse(readFileSync(path, 'utf8')) as RecordFile;
      const info = statSync(path);
      if (!isRecordFile(file, key)) return undefined;
      const { format: _format, ...record } = file;
      return { ...record, lastUsedAt: info.mtimeMs };
    } catch {
      return undefined;
    }
  }

  async put(record: NewRecord): Promise<void> {
    const time = this.now();
    const file: RecordFile = { format: recordFormat, ...record, createdAt: time };
    const path = this.recordFile(record.key);
    writeFileAtomically(path, JSON.stringify(file));
    utimesSync(path, time / 1000, time / 1000);
  }

  /** Marks `key` used now (one utimes); a record deleted meanwhile is simply not touched. */
  async touch(key: string): Promise<void> {
    const seconds = this.now() / 1000;
    try {
      utimesSync(this.recordFile(key), seconds, seconds);
    } catch {
      // deleted meanwhile
    }
  }

  async delete(key: string): Promise<void> {
    await unlink(this.recordFile(key)).catch(ignoreMissing);
  }

  /** Every readable record (corrupt files are skipped: they are misses, and prune removes them via keys()). */
  async list(): Promise<CacheRecord[]> {
    const records = await Promise.all((await this.keys()).map((key) => this.get(key)));
    return records.filter((r): r is CacheRecord => r !== undefined);
  }

  /** Keys of every record file, readable or not. */
  async keys(): Promise<string[]> {
    const names = await readdir(this.recordsDir).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.json') && keyPattern.test(n.slice(0, -5))).map((n) => n.slice(0, -5));
  }

  private lastPath(identity: string): string {
    return join(this.lastDir, `${sha256Of(identity).slice('sha256:'.length)}.json`);
  }

  /** Notes `use` as the identity's last; a file already naming the same key (so the same parts) is left as it is. */
  async rememberLast(identity: string, use: LastUse): Promise<void> {
    const path = this.lastPath(identity);
    const head = `{"key":${JSON.stringify(use.key)},`;
    if (readHead(path, head.length) === head) return;
    writeFileAtomically(path, JSON.stringify({ key: use.key, preimage: use.preimage }));
  }

  async getLast(identity: string): Promise<LastUse | undefined> {
    try {
      const use = JSON.parse(readFileSync(this.lastPath(identity), 'utf8')) as LastUse;
      return typeof use.key === 'string' && isStringArray(use.preimage) ? use : undefined;
    } catch {
      return undefined;
    }
  }

  /** The key each identity used last: the newest build's records, which a prune without --all keeps. */
  async lastKeys(): Promise<Set<string>> {
    return new Set((await this.readLastUses()).map((use) => use.key));
  }

  /** Forgets the last uses that point at `keys` (records a prune removed): nothing is left to compare with. */
  async forgetLastUses(keys: ReadonlySet<string>): Promise<void> {
    for (const use of await this.readLastUses()) if (keys.has(use.key)) await unlink(use.path).catch(ignoreMissing);
  }

  private async readLastUses(): Promise<{ path: string; key: string }[]> {
    const names = (await readdir(this.lastDir).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
    const uses = await Promise.all(
      names.map(async (name) => {
        const path = join(this.lastDir, name);
        try {
          const { key } = JSON.parse(await readFile(path, 'utf8')) as LastUse;
          return typeof key === 'string' ? { path, key } : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    return uses.filter((use) => use !== undefined);
  }

  /** Removes temporary files of writes a killed process left (older than `ageMs`, so none in flight). */
  async removeStaleTemps(ageMs: number): Promise<void> {
    for (const dir of [this.recordsDir, this.lastDir, this.leasesDir]) {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (!name.endsWith('.tmp')) continue;
        const path = join(dir, name);
        const info = await stat(path).catch(() => undefined);
        if (info && this.now() - info.mtimeMs >= ageMs) await unlink(path).catch(ignoreMissing);
      }
    }
  }

  /** A new lease id for this process (its file appears with the first extendLease). */
  newLeaseId(): string {
    return `${process.pid}-${randomBytes(6).toString('hex')}`;
  }

  /**
   * Adds resources to lease `id` of this process: one appended line, not a rewrite of all it holds (a build
   * extends its lease at every step). Callers hold the cache lock, as prunes reading leases do.
   */
  async extendLease(id: string, added: Omit<Lease, 'id' | 'pid'>): Promise<void> {
    appendFileSync(join(this.leasesDir, `${id}.json`), `${JSON.stringify({ pid: process.pid, ...added })}\n`);
  }

  async deleteLease(id: string): Promise<void> {
    try {
      unlinkSync(join(this.leasesDir, `${id}.json`));
    } catch (err) {
      ignoreMissing(err);
    }
  }

  /**
   * Leases of builds still running. A lease whose process is gone (killed build) is stale: it is
   * removed and ignored. A reused pid only keeps a stale lease alive longer, which errs on the safe side.
   */
  async liveLeases(): Promise<Lease[]> {
    const names = await readdir(this.leasesDir).catch(() => [] as string[]);
    const leases: Lease[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const path = join(this.leasesDir, name);
      const lease: Lease = { id: name.slice(0, -'.json'.length), pid: 0, keys: [], snapshots: [], blobs: [] };
      for (const line of (await readFile(path, 'utf8').catch(() => '')).split('\n')) {
        let added: Lease;
        try {
          added = JSON.parse(line) as Lease;
        } catch {
          continue; // a torn or foreign line holds nothing
        }
        lease.pid = added.pid;
        lease.keys.push(...added.keys);
        lease.snapshots.push(...added.snapshots);
        lease.blobs.push(...added.blobs);
      }
      if (typeof lease.pid === 'number' && lease.pid > 0 && processAlive(lease.pid)) leases.push(lease);
      else await unlink(path).catch(ignoreMissing);
    }
    return leases;
  }
}

/** Whether a process with this pid exists (signal 0 probes without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isRecordFile(file: RecordFile, key: string): boolean {
  return (
    typeof file === 'object' &&
    file !== null &&
    file.format === recordFormat &&
    file.key === key &&
    typeof file.createdAt === 'number' &&
    typeof file.size === 'number' &&
    isStringArray(file.preimage) &&
    isStringArray(file.references?.snapshots) &&
    isStringArray(file.references?.blobs)
  );
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}

/** The first `length` bytes of a file as text; '' when it cannot be read. */
function readHead(path: string, length: number): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(length);
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, length, 0));
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
