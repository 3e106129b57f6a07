import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentStore, sha256Of, type AlignedAllocator } from '../../cache/index.js';
import { hostAddon } from '../../src/host/addon.js';

let dir: string;

beforeAll(async () => {
  // Beside the repository, not in /tmp: the state root's filesystem is the one O_DIRECT must work on.
  dir = await mkdtemp(join(process.cwd(), '.tsbuild-blob-file-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Chunks whose total is no multiple of a page, with chunk sizes that straddle block boundaries. */
function oddChunks(): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < 40; i++) chunks.push(Buffer.alloc(65_536 + 1000 + i, i));
  chunks.push(Buffer.from('tail'));
  return chunks;
}

async function* source(chunks: Buffer[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

async function storeWith(name: string, allocate: AlignedAllocator): Promise<{ store: ContentStore; calls: number[] }> {
  const calls: number[] = [];
  const store = await ContentStore.open(join(dir, name), {
    alignedBuffer: (bytes) => {
      calls.push(bytes);
      return allocate(bytes);
    },
  });
  return { store, calls };
}

describe('large blobs written with O_DIRECT', () => {
  it('writes the exact bytes, a last partial block included, read-only, through page-aligned staging', async () => {
    const { store, calls } = await storeWith('direct', (bytes) => hostAddon().alignedBuffer(bytes));
    const chunks = oddChunks();
    const whole = Buffer.concat(chunks);
    expect(whole.byteLength % 4096).not.toBe(0);
    const blob = await store.ingest(source(chunks));
    expect(blob).toEqual({ digest: sha256Of(whole), size: whole.byteLength });
    expect((await readFile(store.blobPath(blob.digest))).equals(whole)).toBe(true);
    expect((await stat(store.blobPath(blob.digest))).mode & 0o777).toBe(0o444);
    expect(calls.length).toBeGreaterThan(0);
    expect(await readdir(join(dir, 'direct', 'ingest'))).toEqual([]);
  });

  it('writes a blob of whole pages without padding', async () => {
    const { store } = await storeWith('pages', (bytes) => hostAddon().alignedBuffer(bytes));
    const chunks = Array.from({ length: 33 }, (_, i) => Buffer.alloc(65_536, i + 1));
    const blob = await store.ingest(source(chunks));
    expect((await stat(store.blobPath(blob.digest))).size).toBe(33 * 65_536);
    expect(blob.digest).toBe(sha256Of(Buffer.concat(chunks)));
  });

  it('falls back to the page cache midway when the kernel refuses a direct write', async () => {
    // Memory one byte off any page: O_DIRECT answers EINVAL, as a device with larger blocks would.
    const { store, calls } = await storeWith('refused', (bytes) => Buffer.alloc(bytes + 1).subarray(1));
    const chunks = oddChunks();
    const whole = Buffer.concat(chunks);
    const blob = await store.ingest(source(chunks));
    expect(calls.length).toBe(1);
    expect(blob).toEqual({ digest: sha256Of(whole), size: whole.byteLength });
    expect((await readFile(store.blobPath(blob.digest))).equals(whole)).toBe(true);
    expect((await stat(store.blobPath(blob.digest))).mode & 0o777).toBe(0o444);
  });

  it('leaves nothing behind when the source fails midway', async () => {
    const { store } = await storeWith('failing', (bytes) => hostAddon().alignedBuffer(bytes));
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield* oddChunks().slice(0, 30);
      throw new Error('source broke');
    }
    await expect(store.ingest(failing())).rejects.toThrow('source broke');
    expect(await readdir(join(dir, 'failing', 'ingest'))).toEqual([]);
    expect(await readdir(join(dir, 'failing', 'blobs', 'sha256'))).toEqual([]);
  });
});
