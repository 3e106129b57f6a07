// ContentStore: immutable blobs addressed by sha256, kept as <root>/blobs/sha256/<hex>.
// Lifecycle (containerd's): ingest (temp file in <root>/ingest → verify size and digest → fsync →
// atomic rename) → read → delete (by GC only). Several processes may share one root: a rename is
// atomic, "already exists" is success, and a half-written ingest is never visible under blobs/.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BlobFile, type AlignedAllocator } from './blob-file.js';
import { digestHex, isSha256Digest, sha256Of, type Sha256Digest } from './digest.js';

export interface BlobInfo {
  digest: Sha256Digest;
  size: number;
}

/** What the caller knows about the bytes before they arrive; a mismatch rejects the ingest. */
export interface IngestExpectation {
  digest?: Sha256Digest | undefined;
  size?: number | undefined;
}

/** Thrown when ingested bytes do not match what the caller announced; nothing is kept. */
export class ContentMismatchError extends Error {
  constructor(
    message: string,
    readonly expected: IngestExpectation,
    readonly actual: BlobInfo,
  ) {
    super(message);
    this.name = 'ContentMismatchError';
  }
}

/** Ingests older than this are left over from killed processes and may be removed. */
const staleIngestMs = 24 * 60 * 60 * 1000;

const writeBatchBytes = 1 << 20;

export interface ContentStoreOptions {
  /** Page-aligned buffers, so that large blobs are written with O_DIRECT (see blob-file.ts). */
  alignedBuffer?: AlignedAllocator | undefined;
}

export class ContentStore {
  readonly root: string;
  private readonly blobDir: string;
  private readonly ingestDir: string;

  private constructor(
    root: string,
    private readonly options: ContentStoreOptions,
  ) {
    this.root = root;
    this.blobDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
  }

  /** Opens (creating when absent) the store at `root`. */
  static async open(root: string, options: ContentStoreOptions = {}): Promise<ContentStore> {
    const store = new ContentStore(root, options);
    mkdirSync(store.blobDir, { recursive: true });
    mkdirSync(store.ingestDir, { recursive: true });
    return store;
  }

  /** Where a blob lives; it exists only if `info` says so. */
  blobPath(digest: Sha256Digest): string {
    assertDigest(digest);
    return join(this.blobDir, digestHex(digest));
  }

  /** Sync inside: builds ask this for every layer of every cache hit, and one stat is cheaper than a thread-pool round trip. */
  async info(digest: Sha256Digest): Promise<BlobInfo | undefined> {
    try {
      const st = statSync(this.blobPath(digest));
      return { digest, size: st.size };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async has(digest: Sha256Digest): Promise<boolean> {
    return (await this.info(digest)) !== undefined;
  }

  /** Streams a blob in 1 MiB chunks. */
  read(digest: Sha256Digest, range?: { start: number; end?: number }): Readable {
    return createReadStream(this.blobPath(digest), { highWaterMark: 1 << 20, ...range });
  }

  /** Sync inside: configs and manifests are small, and read on every image lookup. */
  async readBytes(digest: Sha256Digest): Promise<Buffer> {
    return readFileSync(this.blobPath(digest));
  }

  async readJson<T>(digest: Sha256Digest): Promise<T> {
    return JSON.parse((await this.readBytes(digest)).toString('utf8')) as T;
  }

  /**
   * Writes `source` as a blob. The digest is computed while writing; when `expected` names a digest
   * or size the bytes must match it, otherwise the temp file is removed and ContentMismatchError thrown.
   */
  async ingest(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, expected: IngestExpectation = {}): Promise<BlobInfo> {
    if (expected.digest !== undefined) {
      assertDigest(expected.digest);
      // Known content: nothing to write; the source is still drained so a piped producer finishes.
      const existing = await this.info(expected.digest);
      if (existing && (expected.size === undefined || existing.size === expected.size)) {
        await drain(source);
        return existing;
      }
    }
    const digester = new Digester(expected);
    const chunks = iterate(source);
    // The first batch is gathered before anything is written. A blob that ends within it (configs,
    // manifests, most build layers) is written with sync calls: the six thread-pool round trips of the
    // streaming path cost more than its writes and fsyncs.
    const first: Uint8Array[] = [];
    let firstBytes = 0;
    let ended = false;
    try {
      while (firstBytes < writeBatchBytes) {
        const next = await chunks.next();
        if (next.done === true) {
          ended = true;
          break;
        }
        digester.update(next.value);
        first.push(next.value);
        firstBytes += next.value.byteLength;
      }
    } catch (err) {
      await chunks.return?.(); // stops the producer, as leaving a for-await loop would
      throw err;
    }
    return ended ? this.writeSmall(first, digester.result()) : this.writeStreaming(first, chunks, digester);
  }

  private tempPath(): string {
    return join(this.ingestDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  private writeSmall(chunks: Uint8Array[], actual: BlobInfo): BlobInfo {
    const temp = this.tempPath();
    // Created read-only (blobs never change); the descriptor opened here still writes.
    const fd = openSync(temp, 'wx', 0o444);
    try {
      try {
        const data = Buffer.concat(chunks);
        for (let offset = 0; offset < data.byteLength; ) offset += writeSync(fd, data, offset);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      // rename() replaces atomically; a concurrent ingest of the same bytes wrote the same content.
      renameSync(temp, this.blobPath(actual.digest));
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
    syncDirSync(this.blobDir);
    return actual;
  }

  /** The rest of a large source: one batch written while the source makes the next. */
  private async writeStreaming(first: Uint8Array[], rest: AsyncIterator<Uint8Array> | Iterator<Uint8Array>, digester: Digester): Promise<BlobInfo> {
    const temp = this.tempPath();
    let file: BlobFile;
    try {
      file = await BlobFile.create(temp, this.options.alignedBuffer);
    } catch (err) {
      await rest.return?.();
      throw err;
    }
    let committed = false;
    let ended = false;
    let writing = file.append(first);
    writing.catch(() => undefined); // awaited before the next batch or after the loop
    try {
      // Tar producers emit many tiny chunks (512-byte headers); one write per chunk would make the
      // thread-pool round trips, not the disk, the limit.
      let batch: Uint8Array[] = [];
      let batchBytes = 0;
      for (;;) {
        const next = await rest.next();
        if (next.done === true) break;
        const chunk = next.value;
        digester.update(chunk);
        batch.push(chunk);
        batchBytes += chunk.byteLength;
        if (batchBytes >= writeBatchBytes) {
          await writing;
          writing = file.append(batch);
          writing.catch(() => undefined);
          batch = [];
          batchBytes = 0;
        }
      }
      ended = true;
      await writing;
      await file.append(batch);
      const actual = digester.result();
      await file.finish();
      await rename(temp, this.blobPath(actual.digest));
      committed = true;
      syncDirSync(this.blobDir);
      return actual;
    } finally {
      if (!ended) await rest.return?.();
      if (!committed) {
        await writing.catch(() => undefined);
        await file.discard().catch(() => undefined);
        await unlink(temp).catch(() => undefined);
      }
    }
  }

  /** Bytes in memory are hashed first, so a blob already stored (a rebuild's config and manifest) is not written again. */
  ingestBytes(bytes: Uint8Array | string, expected?: IngestExpectation): Promise<BlobInfo> {
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    return this.ingest([data], { ...expected, digest: expected?.digest ?? sha256Of(data) });
  }

  /** Removes a blob; absent is fine. Callers (GC, rmi) decide what is unreferenced. */
  async delete(digest: Sha256Digest): Promise<void> {
    await rm(this.blobPath(digest), { force: true });
  }

  async list(): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    for (const name of await readdir(this.blobDir)) {
      const digest = `sha256:${name}`;
      if (!isSha256Digest(digest)) continue;
      try {
        out.push({ digest, size: (await stat(join(this.blobDir, name))).size });
      } catch (err) {
        if (!isNotFound(err)) throw err; // removed by a concurrent GC
      }
    }
    return out;
  }

  /** Removes temp files left by killed processes (older than a day, so live ingests are untouched). */
  async removeStaleIngests(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.ingestDir)) {
      const path = join(this.ingestDir, name);
      const st = await stat(path).catch(() => undefined);
      if (st && now - st.mtimeMs > staleIngestMs) {
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }
}

/** sha256 and size of the bytes seen so far, checked against what the caller announced. */
class Digester {
  private readonly hash = createHash('sha256');
  private size = 0;
  constructor(private readonly expected: IngestExpectation) {}

  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.size += chunk.byteLength;
    if (this.expected.size !== undefined && this.size > this.expected.size) {
      throw new ContentMismatchError(`blob larger than its announced size ${this.expected.size}`, this.expected, { digest: 'sha256:', size: this.size });
    }
  }

  /** The blob's digest and size, once every byte went through update(). */
  result(): BlobInfo {
    const actual: BlobInfo = { digest: `sha256:${this.hash.digest('hex')}`, size: this.size };
    if (this.expected.size !== undefined && this.expected.size !== this.size) {
      throw new ContentMismatchError(`blob size ${this.size} does not match the announced ${this.expected.size}`, this.expected, actual);
    }
    if (this.expected.digest !== undefined && this.expected.digest !== actual.digest) {
      throw new ContentMismatchError(`blob digest ${actual.digest} does not match the announced ${this.expected.digest}`, this.expected, actual);
    }
    return actual;
  }
}

function iterate(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterator<Uint8Array> | Iterator<Uint8Array> {
  return Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
}

function assertDigest(digest: string): asserts digest is Sha256Digest {
  if (!isSha256Digest(digest)) throw new Error(`invalid sha256 digest: ${digest}`);
}

async function drain(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
  for await (const _chunk of source) {
    // consumed so a piped producer finishes
  }
}

/** fsync of the directory makes the rename itself durable. */
function syncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Text of a CACHEDIR.TAG (https://bford.info/cachedir/): backup tools skip the state root. */
export const cacheDirTag =
  'Signature: 8a477f597d28d172789f06886806bc55\n' +
  '# This file is a cache directory tag created by tsbuild.\n' +
  '# For information about cache directory tags, see: https://bford.info/cachedir/\n';
