import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordStore, computeCacheKey, type NewRecord } from '../../cache/index.js';

let dir: string;
let clock: number;
let store: RecordStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-records-'));
  clock = 1_700_000_000_000;
  store = await RecordStore.open(dir, { now: () => clock });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function record(parts: string[]): NewRecord {
  const { key, preimage } = computeCacheKey(parts);
  return { key, preimage, result: { snapshot: 'layers-1' }, references: { snapshots: ['layers-1'], blobs: ['sha256:aa'] }, size: 10 };
}

describe('RecordStore', () => {
  it('stores a record and reads it back with its times', async () => {
    const r = record(['op run v1']);
    await store.put(r);
    expect(await store.get(r.key)).toEqual({ ...r, createdAt: clock, lastUsedAt: clock });
    expect(await store.keys()).toEqual([r.key]);
  });

  it('refreshes lastUsedAt on touch without rewriting the record', async () => {
    const r = record(['op run v1']);
    await store.put(r);
    const path = join(dir, 'records', `${r.key}.json`);
    const ino = (await stat(path)).ino;
    clock += 60_000;
    await store.touch(r.key);
    expect(await store.get(r.key)).toMatchObject({ createdAt: clock - 60_000, lastUsedAt: clock });
    expect((await stat(path)).ino).toBe(ino);
  });

  it.each([
    ['garbage', 'not json {'],
    ['an empty file', ''],
    ['JSON of another shape', '{"format":1,"key":"x"}'],
    ['a record of another format', '{"format":99}'],
  ])('reads %s as a miss', async (_what, text) => {
    const r = record(['op run v1']);
    await writeFile(join(dir, 'records', `${r.key}.json`), text);
    expect(await store.get(r.key)).toBeUndefined();
    expect(await store.list()).toEqual([]);
    expect(await store.keys()).toEqual([r.key]);
  });

  it('reads a record that is a directory as a miss', async () => {
    const r = record(['op run v1']);
    await store.put(r);
    await rm(join(dir, 'records', `${r.key}.json`));
    await (await import('node:fs/promises')).mkdir(join(dir, 'records', `${r.key}.json`));
    expect(await store.get(r.key)).toBeUndefined();
  });

  it('leaves no temporary files behind', async () => {
    await store.put(record(['a']));
    await store.rememberLast('step', { key: record(['a']).key, preimage: ['a'] });
    expect((await readdir(join(dir, 'records'))).every((n) => n.endsWith('.json') && !n.includes('.tmp'))).toBe(true);
  });

  it('remembers the last use per identity and lists the last keys', async () => {
    await store.rememberLast('ctx\0Dockerfile\0s0-2', { key: 'k1', preimage: ['op run v1'] });
    await store.rememberLast('ctx\0Dockerfile\0s0-3', { key: 'k2', preimage: ['op copy v1'] });
    await store.rememberLast('ctx\0Dockerfile\0s0-2', { key: 'k3', preimage: ['op run v1', 'arg A=1'] });
    expect(await store.getLast('ctx\0Dockerfile\0s0-2')).toEqual({ key: 'k3', preimage: ['op run v1', 'arg A=1'] });
    expect(await store.getLast('unknown')).toBeUndefined();
    expect(await store.lastKeys()).toEqual(new Set(['k2', 'k3']));
  });

  it('leaves a last use naming the same key as it is, and rewrites one naming another', async () => {
    await store.rememberLast('s', { key: 'k1', preimage: ['op run v1'] });
    const [file] = await readdir(join(dir, 'last'));
    const path = join(dir, 'last', file as string);
    const before = await stat(path);
    await store.rememberLast('s', { key: 'k1', preimage: ['op run v1'] });
    expect((await stat(path)).ino).toBe(before.ino);
    await store.rememberLast('s', { key: 'k10', preimage: ['op run v2'] });
    expect((await stat(path)).ino).not.toBe(before.ino);
    expect(await store.getLast('s')).toEqual({ key: 'k10', preimage: ['op run v2'] });
  });

  it('forgets the last uses of removed records', async () => {
    await store.rememberLast('a', { key: 'k1', preimage: [] });
    await store.rememberLast('b', { key: 'k2', preimage: [] });
    await store.forgetLastUses(new Set(['k1']));
    expect(await store.getLast('a')).toBeUndefined();
    expect(await store.lastKeys()).toEqual(new Set(['k2']));
  });

  it('removes temporary files of dead writes once they are old', async () => {
    const temp = join(dir, 'records', `${'0'.repeat(64)}.json.123-abcd.tmp`);
    await writeFile(temp, '{');
    await store.removeStaleTemps(3_600_000);
    expect(await readdir(join(dir, 'records'))).toHaveLength(1);
    clock = Date.now() + 3_600_000;
    await store.removeStaleTemps(3_600_000);
    expect(await readdir(join(dir, 'records'))).toEqual([]);
  });

  it('keeps leases of live processes, each the sum of its lines, and drops those of dead ones', async () => {
    await store.extendLease('mine', { keys: ['k'], snapshots: ['s'], blobs: [] });
    await store.extendLease('mine', { keys: [], snapshots: ['s2'], blobs: ['sha256:b'] });
    // A pid far above pid_max never belongs to a running process.
    await writeFile(join(dir, 'leases', 'dead.json'), `${JSON.stringify({ pid: 2 ** 30, keys: [], snapshots: ['t'], blobs: [] })}\n`);
    await writeFile(join(dir, 'leases', 'torn.json'), '{"pid":');
    expect(await store.liveLeases()).toEqual([{ id: 'mine', pid: process.pid, keys: ['k'], snapshots: ['s', 's2'], blobs: ['sha256:b'] }]);
    expect((await readdir(join(dir, 'leases'))).sort()).toEqual(['mine.json']);
    await store.deleteLease('mine');
    expect(await store.liveLeases()).toEqual([]);
  });
});
