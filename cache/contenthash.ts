// Content checksums of files (xxh64 of the bytes) with a persistent stat index, so a file whose
// stat is unchanged since it was last hashed is never read again. The index is one JSON file under
// the state root (`<root>/cache/contenthash/index.json`), read on first use and replaced atomically
// when the build ends.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createXxh64, initDigests, type Digest } from './digest.js';
import { statIdentity, statIsSettled, type StatIdentityFields } from './stat-identity.js';

const indexVersion = 2;

/** Bigger indexes drop the entries this build did not use, so it cannot grow without bound. */
const maxKeptEntries = 200_000;

interface IndexFile {
  version: number;
  /** host path, stat identity, digest, host path, …: a flat array parses several times faster than an object of 20,000 keys. */
  entries: string[];
}

/** Largest read; a small file is read whole into a buffer of about its own size (a 1 MiB stream buffer per file made GC the cost). */
const readChunk = 1 << 20;
const smallestRead = 16 << 10;

/**
 * xxh64 of a file's bytes; `sizeHint` (from stat) sizes the first read, later reads take up to 1 MiB.
 * The reads are sync: a context is thousands of small files, and a thread-pool round trip per call
 * costs more than the read itself.
 */
export async function xxh64OfFile(path: string, sizeHint = readChunk): Promise<Digest> {
  await initDigests();
  const hash = createXxh64();
  const fd = openSync(path, 'r');
  try {
    let buffer = Buffer.allocUnsafe(Math.min(Math.max(sizeHint, smallestRead), readChunk));
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      hash.update(buffer.subarray(0, bytesRead));
      if (bytesRead < buffer.length) break; // a short read of a regular file is its end: saves a read per small file
      if (buffer.length < readChunk) buffer = Buffer.allocUnsafe(readChunk); // bigger than its stat said: it grew
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest();
}

export interface ContentHashOptions {
  /** Wall clock in ns since the epoch, for the racy window; tests move it forward. */
  now?: () => bigint;
}

export class ContentHashIndex {
  private readCount = 0;
  private changed = false;
  private readonly used = new Set<string>();
  private entries: Map<string, [string, Digest]> | undefined;
  private loading: Promise<Map<string, [string, Digest]>> | undefined;

  private constructor(
    private readonly file: string | undefined,
    private readonly now: () => bigint,
  ) {}

  /**
   * The index kept in `dir`. Nothing is read until a file is hashed, so builds that copy nothing
   * from a context pay nothing; an absent or corrupt index is an empty one.
   */
  static open(dir: string, options: ContentHashOptions = {}): ContentHashIndex {
    return new ContentHashIndex(join(dir, 'index.json'), options.now ?? clockNs);
  }

  /** An index that keeps nothing between builds (every file is read once per index). */
  static inMemory(options: ContentHashOptions = {}): ContentHashIndex {
    return new ContentHashIndex(undefined, options.now ?? clockNs);
  }

  /** How many files were read (not answered from the index) since it was opened. */
  get reads(): number {
    return this.readCount;
  }

  /** Reads the index (once); knownDigest answers only after this. */
  async load(): Promise<void> {
    this.loading ??= readIndex(this.file).then((entries) => (this.entries = entries));
    await this.loading;
  }

  /**
   * The digest the index holds for the file at `path` (whose `lstat(…, { bigint: true })` is `info`) if its
   * stat is unchanged, without reading it; undefined when it must be read (see fileDigest). Synchronous, for
   * walks that check thousands of files; needs load() first.
   */
  knownDigest(path: string, info: StatIdentityFields): Digest | undefined {
    if (this.entries === undefined) throw new Error('content hash index used before load()');
    this.used.add(path);
    const known = this.entries.get(path);
    return known !== undefined && known[0] === statIdentity(info) ? known[1] : undefined;
  }

  /** xxh64 of the regular file at `path`, whose `lstat(…, { bigint: true })` is `info`. */
  async fileDigest(path: string, info: StatIdentityFields): Promise<Digest> {
    await this.load();
    const known = this.knownDigest(path, info);
    if (known !== undefined) return known;
    const entries = this.entries as Map<string, [string, Digest]>;
    this.readCount++;
    const digest = await xxh64OfFile(path, Number(info.size));
    if (statIsSettled(info, this.now())) {
      entries.set(path, [statIdentity(info), digest]);
      this.changed = true;
    } else if (entries.delete(path)) {
      this.changed = true;
    }
    return digest;
  }

  /**
   * Writes the index if this build changed it: temp file + rename, so concurrent builds never see half
   * a file (the last writer wins). Returns false when it could not be written: the index only saves
   * reads, so a full disk or a read-only root must not fail a build that succeeded.
   */
  async save(): Promise<boolean> {
    const entries = this.entries;
    if (this.file === undefined || entries === undefined || !this.changed) return true;
    if (entries.size > maxKeptEntries) {
      for (const path of [...entries.keys()]) if (!this.used.has(path)) entries.delete(path);
    }
    const flat: string[] = [];
    for (const [path, [identity, digest]] of entries) flat.push(path, identity, digest);
    const body: IndexFile = { version: indexVersion, entries: flat };
    const dir = join(this.file, '..');
    const temp = join(dir, `.index-${process.pid}-${randomBytes(4).toString('hex')}`);
    // Sync: a build waits for it before it ends, and three thread-pool round trips cost more than the calls.
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(temp, JSON.stringify(body));
      renameSync(temp, this.file);
    } catch {
      try {
        rmSync(temp, { force: true });
      } catch {
        // a read-only root: there is no temp file either
      }
      return false;
    }
    this.changed = false;
    return true;
  }
}

async function readIndex(file: string | undefined): Promise<Map<string, [string, Digest]>> {
  if (file === undefined) return new Map();
  try {
    // Sync: one file, read once per build before any hashing can start.
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as IndexFile;
    const flat = parsed.entries;
    if (parsed.version !== indexVersion || !Array.isArray(flat) || flat.length % 3 !== 0 || !flat.every((item) => typeof item === 'string')) return new Map();
    const entries = new Map<string, [string, Digest]>();
    for (let at = 0; at < flat.length; at += 3) entries.set(flat[at] as string, [flat[at + 1] as string, flat[at + 2] as Digest]);
    return entries;
  } catch {
    return new Map(); // absent or unreadable: start empty, the next save replaces it
  }
}

function clockNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
