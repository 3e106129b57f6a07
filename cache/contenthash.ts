// Content checksums of files (xxh64 of the bytes) with a persistent stat index, so a file whose
// stat is unchanged since it was last hashed is never read again. The index is one JSON file under
// the state root, loaded once per build and replaced atomically at its end.
import { randomBytes } from 'node:crypto';
import { createReadStream, type BigIntStats } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createXxh64, initDigests, type Digest } from './digest.js';

const indexVersion = 1;

/**
 * A file changed within the timestamp granularity of its filesystem (coarse kernel clock, or whole
 * seconds on some filesystems) can keep its mtime and ctime; such "racily clean" stats are not
 * trusted until they are older than this (as git does with its index).
 */
export const racyWindowNs = 2_000_000_000n;

/** Bigger indexes drop the entries this build did not use, so it cannot grow without bound. */
const maxKeptEntries = 200_000;

interface IndexFile {
  version: number;
  /** host path → [stat identity, digest] */
  entries: Record<string, [string, Digest]>;
}

/** Everything that changes when a file's content may have: a replaced file gets a new inode, a write a new ctime. */
function statIdentity(info: BigIntStats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}:${info.mode}:${info.uid}:${info.gid}`;
}

/** Streams the file through xxh64 in 1 MiB chunks. */
export async function xxh64OfFile(path: string): Promise<Digest> {
  await initDigests();
  const hash = createXxh64();
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest();
}

export interface ContentHashOptions {
  /** Wall clock in ns since the epoch, for the racy window; tests move it forward. */
  now?: () => bigint;
}

export class ContentHashIndex {
  /** How many files were read (not answered from the index) since load. */
  reads = 0;
  private changed = false;
  private readonly used = new Set<string>();

  private constructor(
    private readonly file: string | undefined,
    private readonly entries: Map<string, [string, Digest]>,
    private readonly now: () => bigint,
  ) {}

  /** The index kept in `dir` (created on save); an absent or corrupt index is an empty one. */
  static async load(dir: string, options: ContentHashOptions = {}): Promise<ContentHashIndex> {
    const file = join(dir, 'index.json');
    let entries = new Map<string, [string, Digest]>();
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as IndexFile;
      if (parsed.version === indexVersion && typeof parsed.entries === 'object' && parsed.entries !== null) {
        entries = new Map(Object.entries(parsed.entries).filter(([, entry]) => Array.isArray(entry) && entry.length === 2));
      }
    } catch {
      // absent or unreadable: start empty, the next save replaces it
    }
    return new ContentHashIndex(file, entries, options.now ?? clockNs);
  }

  /** An index that keeps nothing between builds (every file is read once per index). */
  static inMemory(options: ContentHashOptions = {}): ContentHashIndex {
    return new ContentHashIndex(undefined, new Map(), options.now ?? clockNs);
  }

  /** xxh64 of the regular file at `path`, whose `lstat(…, { bigint: true })` is `info`. */
  async fileDigest(path: string, info: BigIntStats): Promise<Digest> {
    const identity = statIdentity(info);
    this.used.add(path);
    const known = this.entries.get(path);
    if (known !== undefined && known[0] === identity) return known[1];
    this.reads++;
    const digest = await xxh64OfFile(path);
    const newest = info.mtimeNs > info.ctimeNs ? info.mtimeNs : info.ctimeNs;
    if (this.now() - newest > racyWindowNs) {
      this.entries.set(path, [identity, digest]);
      this.changed = true;
    } else if (known !== undefined) {
      this.entries.delete(path);
      this.changed = true;
    }
    return digest;
  }

  /** Writes the index if this build changed it: temp file + rename, so concurrent builds never see half a file. */
  async save(): Promise<void> {
    if (this.file === undefined || !this.changed) return;
    if (this.entries.size > maxKeptEntries) {
      for (const path of [...this.entries.keys()]) if (!this.used.has(path)) this.entries.delete(path);
    }
    const body: IndexFile = { version: indexVersion, entries: Object.fromEntries(this.entries) };
    const dir = join(this.file, '..');
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.index-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await writeFile(temp, JSON.stringify(body));
      await rename(temp, this.file);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    this.changed = false;
  }
}

function clockNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
