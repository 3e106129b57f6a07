import { fork } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentMismatchError, ContentStore, sha256Of } from '../../cache/index.js';

let dir: string;
let store: ContentStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-store-'));
  store = await ContentStore.open(join(dir, 'content'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('ContentStore', () => {
  it('stores a blob under blobs/sha256/<hex>, read-only, and reads it back', async () => {
    const blob = await store.ingestBytes('hello');
    expect(blob).toEqual({ digest: sha256Of('hello'), size: 5 });
    expect((await store.readBytes(blob.digest)).toString()).toBe('hello');
    const st = await stat(store.blobPath(blob.digest));
    expect(st.mode & 0o777).toBe(0o444);
    expect(store.blobPath(blob.digest)).toBe(join(dir, 'content', 'blobs', 'sha256', blob.digest.slice(7)));
  });

  it('treats an existing blob as success', async () => {
    const first = await store.ingestBytes('same');
    const second = await store.ingestBytes('same', { digest: first.digest, size: 4 });
    expect(second).toEqual(first);
  });

  it('rejects a digest mismatch and keeps nothing', async () => {
    const wrong = sha256Of('other');
    await expect(store.ingestBytes('actual', { digest: wrong })).rejects.toBeInstanceOf(ContentMismatchError);
    expect(await store.has(wrong)).toBe(false);
    expect(await store.has(sha256Of('actual'))).toBe(false);
    expect(await readdir(join(dir, 'content', 'ingest'))).toEqual([]);
  });

  it('rejects a size mismatch, both shorter and longer', async () => {
    await expect(store.ingestBytes('12345', { size: 4 })).rejects.toBeInstanceOf(ContentMismatchError);
    await expect(store.ingestBytes('123', { size: 4 })).rejects.toBeInstanceOf(ContentMismatchError);
    expect(await readdir(join(dir, 'content', 'ingest'))).toEqual([]);
  });

  it('removes the temp file when the source stream fails midway', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('partial');
      throw new Error('source broke');
    }
    await expect(store.ingest(failing())).rejects.toThrow('source broke');
    expect(await readdir(join(dir, 'content', 'ingest'))).toEqual([]);
    expect(await store.has(sha256Of('partial'))).toBe(false);
  });

  it('streams a blob larger than one write batch, and cleans up when such a source fails or overruns its size', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(64 * 1024, i)); // 3.2 MB in 64 KiB chunks
    async function* source(fail: boolean): AsyncGenerator<Uint8Array> {
      for (const [i, chunk] of chunks.entries()) {
        if (fail && i === 40) throw new Error('source broke late');
        yield chunk;
      }
    }
    const whole = Buffer.concat(chunks);
    const blob = await store.ingest(source(false));
    expect(blob).toEqual({ digest: sha256Of(whole), size: whole.byteLength });
    expect((await store.readBytes(blob.digest)).equals(whole)).toBe(true);
    expect((await stat(store.blobPath(blob.digest))).mode & 0o777).toBe(0o444);

    await expect(store.ingest(source(true))).rejects.toThrow('source broke late');
    await expect(store.ingest(source(false), { size: whole.byteLength - 1 })).rejects.toBeInstanceOf(ContentMismatchError);
    expect(await readdir(join(dir, 'content', 'ingest'))).toEqual([]);
  });

  it('lets several processes ingest the same and different blobs at once', async () => {
    const script = join(dir, 'writer.mjs');
    const storeModule = new URL('../../cache/index.ts', import.meta.url).href;
    await writeFile(
      script,
      `const { ContentStore } = await import(${JSON.stringify(storeModule)});
       const store = await ContentStore.open(process.argv[2]);
       const results = [];
       for (let i = 0; i < 20; i++) results.push((await store.ingestBytes('shared-' + (i % 5) + '-' + 'x'.repeat(100000))).digest);
       results.push((await store.ingestBytes('own-' + process.pid)).digest);
       process.send(results);`,
    );
    const run = (): Promise<string[]> =>
      new Promise((resolve, reject) => {
        const child = fork(script, [join(dir, 'content')], { execArgv: ['--import', 'tsx'] });
        child.on('message', (m) => resolve(m as string[]));
        child.on('error', reject);
      });
    const results = await Promise.all([run(), run(), run(), run()]);
    for (const digests of results) {
      for (const digest of digests) {
        const bytes = await store.readBytes(digest as `sha256:${string}`);
        expect(sha256Of(bytes)).toBe(digest);
      }
    }
    expect(await readdir(join(dir, 'content', 'ingest'))).toEqual([]);
  });

  it('lists and deletes blobs', async () => {
    const blob = await store.ingestBytes('to delete');
    expect((await store.list()).map((b) => b.digest)).toContain(blob.digest);
    await store.delete(blob.digest);
    expect(await store.has(blob.digest)).toBe(false);
  });
});
