import { lstat, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireCacheMount, type CacheMountSpec } from '../../src/ops/cache-mount.js';

let work: string;
let cacheRoot: string;

const spec = (sharing: CacheMountSpec['sharing'], extra: Partial<CacheMountSpec> = {}): CacheMountSpec => ({ id: '/root/.cache', sharing, uid: 0, gid: 0, mode: 0o755, ...extra });

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tsbuild-cache-mount-'));
  cacheRoot = join(work, 'mounts');
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('acquireCacheMount', () => {
  it('creates the directory once with the mount owner and mode, and keeps its content', async () => {
    const first = await acquireCacheMount(cacheRoot, work, spec('shared', { uid: 1001, gid: 1002, mode: 0o751 }), false);
    const info = await lstat(first.dir);
    expect(`${info.uid} ${info.gid} ${(info.mode & 0o7777).toString(8)}`).toBe('1001 1002 751');
    await writeFile(join(first.dir, 'kept'), 'x');
    await first.release();
    const second = await acquireCacheMount(cacheRoot, work, spec('shared'), false);
    expect(second.dir).toBe(first.dir);
    expect(await readdir(second.dir)).toEqual(['kept']);
    await second.release();
  });

  it('keys directories by id: another id is another cache', async () => {
    const a = await acquireCacheMount(cacheRoot, work, spec('shared'), false);
    const b = await acquireCacheMount(cacheRoot, work, spec('shared', { id: 'other' }), false);
    expect(a.dir).not.toBe(b.dir);
    await a.release();
    await b.release();
  });

  it('serialises locked users: the second waits for the first to release', async () => {
    const first = await acquireCacheMount(cacheRoot, work, spec('locked'), false);
    let secondGot = false;
    const second = acquireCacheMount(cacheRoot, work, spec('locked'), false).then((lease) => {
      secondGot = true;
      return lease;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(secondGot).toBe(false);
    await first.release();
    const lease = await second;
    expect(lease.dir).toBe(first.dir);
    await lease.release();
  });

  it('gives a busy private cache a throwaway directory, and --no-cache always one', async () => {
    const first = await acquireCacheMount(cacheRoot, work, spec('private'), false);
    const second = await acquireCacheMount(cacheRoot, work, spec('private'), false);
    expect(second.dir).not.toBe(first.dir);
    await second.release();
    await expect(lstat(second.dir)).rejects.toThrow();
    const fresh = await acquireCacheMount(cacheRoot, work, spec('shared'), true);
    expect(fresh.dir).not.toBe(first.dir);
    expect(await readdir(fresh.dir)).toEqual([]);
    await fresh.release();
    await first.release();
  });
});
