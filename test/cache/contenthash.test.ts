// The stat index behind context checksums, on real files: what it trusts (nothing changed), what it
// re-reads (any stat field changed, or a stat too fresh to trust), and how it survives on disk.
import { lstat, mkdir, mkdtemp, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentHashIndex, initDigests, racyWindowFor, racyWindowNs, xxh64Of, xxh64OfFile } from '../../cache/index.js';

let work: string;
let indexDir: string;
/** A clock well past every file's ctime, so fresh test files are trusted like old ones. */
const later = { now: (): bigint => BigInt(Date.now()) * 1_000_000n + 10n * racyWindowNs };

const lstatBig = (path: string) => lstat(path, { bigint: true });

async function digestWith(index: ContentHashIndex, path: string): Promise<string> {
  return index.fileDigest(path, await lstatBig(path));
}

describe('content hash index', () => {
  beforeAll(async () => {
    await initDigests();
    work = await mkdtemp(join(tmpdir(), 'tsbuild-contenthash-'));
    indexDir = join(work, 'index');
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('hashes content with xxh64 in chunks, whatever the size or a stale size hint', async () => {
    const path = join(work, 'sized.bin');
    for (const size of [0, 1, 10_240, 1 << 20, (1 << 20) + 1, 3 << 20]) {
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i += 997) data[i] = i & 0xff;
      await writeFile(path, data);
      for (const hint of [undefined, 0, Math.floor(size / 2), size, size + 100]) expect(await xxh64OfFile(path, hint)).toBe(xxh64Of(data));
    }
  });

  it('trusts a fresh stat after 100 ms where timestamps are finer than seconds, after 2 s where they are whole seconds', async () => {
    expect(racyWindowFor(1_700_000_000_123_456_789n)).toBe(100_000_000n);
    expect(racyWindowFor(1_700_000_000_000_000_000n)).toBe(racyWindowNs);
    const path = join(work, 'fresh.txt');
    await writeFile(path, 'fresh\n');
    const { ctimeNs } = await lstatBig(path);
    const at = (ms: bigint) => ({ now: (): bigint => ctimeNs + ms * 1_000_000n });
    for (const [ms, kept] of [[50n, false], [150n, true]] as const) {
      const index = ContentHashIndex.open(join(work, `fresh-${ms}`), at(ms));
      await digestWith(index, path);
      await index.save();
      const reopened = ContentHashIndex.open(join(work, `fresh-${ms}`), at(ms));
      await digestWith(reopened, path);
      expect(reopened.reads).toBe(kept ? 0 : 1);
    }
  });

  it('never re-reads an unchanged file, across builds', async () => {
    const path = join(work, 'same.txt');
    await writeFile(path, 'same\n');
    const first = ContentHashIndex.open(indexDir, later);
    const digest = await digestWith(first, path);
    expect(first.reads).toBe(1);
    await first.save();
    const second = ContentHashIndex.open(indexDir, later);
    expect(await digestWith(second, path)).toBe(digest);
    expect(second.reads).toBe(0);
  });

  it('re-reads a file changed with the same size and mtime (its ctime moved)', async () => {
    const path = join(work, 'sneaky.txt');
    await writeFile(path, 'aaaa\n');
    await utimes(path, 1_600_000_000, 1_600_000_000); // whole seconds, so utimes can restore it exactly
    const before = await lstatBig(path);
    const first = ContentHashIndex.open(indexDir, later);
    const old = await digestWith(first, path);
    await first.save();
    await writeFile(path, 'bbbb\n');
    await utimes(path, 1_600_000_000, 1_600_000_000);
    const after = await lstatBig(path);
    expect([after.size, after.mtimeNs, after.ino]).toEqual([before.size, before.mtimeNs, before.ino]);
    const second = ContentHashIndex.open(indexDir, later);
    const now = await digestWith(second, path);
    expect(second.reads).toBe(1);
    expect(now).not.toBe(old);
    expect(now).toBe(xxh64Of('bbbb\n'));
  });

  it('re-reads a file replaced by another inode with equal times and size', async () => {
    const path = join(work, 'replaced.txt');
    await writeFile(path, 'one\n');
    const index = ContentHashIndex.open(indexDir, later);
    await digestWith(index, path);
    const replacement = join(work, 'replacement.txt');
    await writeFile(replacement, 'two\n');
    await rename(replacement, path);
    expect(await digestWith(index, path)).toBe(xxh64Of('two\n'));
    expect(index.reads).toBe(2);
  });

  it('does not keep a stat too fresh to trust (a write in the same clock tick would not show)', async () => {
    const path = join(work, 'fresh.txt');
    await writeFile(path, 'fresh\n');
    const index = ContentHashIndex.inMemory(); // the real clock: the file is seconds old at most
    await digestWith(index, path);
    await digestWith(index, path);
    expect(index.reads).toBe(2);
  });

  it('treats a corrupt or foreign index as empty', async () => {
    const dir = join(work, 'corrupt');
    await mkdir(dir);
    const path = join(work, 'c.txt');
    await writeFile(path, 'c\n');
    for (const body of ['{"version":1,"entr', '[]', '{"version":99,"entries":{}}', '{"version":1,"entries":{"x":7}}']) {
      await writeFile(join(dir, 'index.json'), body);
      const index = ContentHashIndex.open(dir, later);
      expect(await digestWith(index, path)).toBe(xxh64Of('c\n'));
      expect(index.reads).toBe(1);
    }
  });

  it('reports an index it cannot write instead of failing (it only saves reads)', async () => {
    const blocked = join(work, 'blocked');
    await writeFile(blocked, 'a file where the index directory should be');
    const path = join(work, 'b.txt');
    await writeFile(path, 'b\n');
    const index = ContentHashIndex.open(join(blocked, 'index'), later);
    expect(await digestWith(index, path)).toBe(xxh64Of('b\n'));
    expect(await index.save()).toBe(false);
  });

  it('survives concurrent saves: the index is always one whole writer', async () => {
    const dir = join(work, 'concurrent');
    const paths = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const path = join(work, `many-${i}.txt`);
        await writeFile(path, `file ${i}\n`);
        return path;
      }),
    );
    const writers = [0, 1, 2, 3].map(() => ContentHashIndex.open(dir, later));
    for (const writer of writers) for (const path of paths) await digestWith(writer, path);
    await Promise.all(writers.map((writer) => writer.save()));
    // entries: path, stat identity, digest, path, …
    const parsed = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { entries: string[] };
    expect(parsed.entries).toHaveLength(3 * 200);
    expect(new Set(parsed.entries.filter((_, at) => at % 3 === 0))).toEqual(new Set(paths));
    const reloaded = ContentHashIndex.open(dir, later);
    for (const path of paths) await digestWith(reloaded, path);
    expect(reloaded.reads).toBe(0);
  });
});
