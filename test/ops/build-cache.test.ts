// The build cache against a real snapshotter, content store and image store: hits and misses, leases
// that keep a prune off a running build's results, and prunes that free only what nothing else holds.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ContentStore, RecordStore, computeCacheKey, initDigests } from '../../cache/index.js';
import { ConflictError } from '../../src/errors.js';
import { mediaTypes } from '../../src/image/oci.js';
import { ImageStore } from '../../src/image/store.js';
import { BuildCache, describeDifference } from '../../src/ops/build-cache.js';
import { pruneBuildCache, type CachePruneDeps } from '../../src/ops/cache-prune.js';
import { emptyFsState, snapshotName, uniqueKey, type FsState } from '../../src/ops/fs-state.js';
import { NativeSnapshotter } from '../../src/snapshot/native.js';
import { describeIf, isRoot } from '../helpers/capabilities.js';

let dir: string;
let cacheDir: string;
let prune: CachePruneDeps;
const now = Date.now();

beforeEach(async () => {
  await initDigests();
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-build-cache-'));
  cacheDir = join(dir, 'cache');
  const content = await ContentStore.open(join(dir, 'content'));
  prune = {
    records: await RecordStore.open(cacheDir),
    snapshotter: new NativeSnapshotter(join(dir, 'snapshots')),
    images: await ImageStore.open(join(dir, 'images'), content),
    content,
    cacheMountsDir: join(dir, 'mounts'),
    stateChecksumDir: join(cacheDir, 'state-sums'),
    replaysDir: join(dir, 'replay'),
    parsesDir: join(dir, 'parsed'),
  };
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A committed snapshot on `parent` holding one file of `bytes` bytes, and a layer blob standing for it. */
async function makeState(parent: FsState, name: string, bytes: number): Promise<FsState> {
  const key = uniqueKey('test');
  const [mount] = await prune.snapshotter.prepare(key, parent.snapshot);
  await writeFile(join(mount?.source as string, name), 'x'.repeat(bytes));
  const blob = await prune.content.ingestBytes(`layer ${name}`);
  const layers = [...parent.layers, { descriptor: { mediaType: mediaTypes.ociLayer, digest: blob.digest, size: blob.size }, diffId: blob.digest }];
  const snapshot = snapshotName(layers) as string;
  await prune.snapshotter.commit(snapshot, key);
  return { snapshot, layers };
}

const openCache = (): Promise<BuildCache> => BuildCache.open(cacheDir, prune);

describeIf('build cache', isRoot() ? [] : ['root (the native snapshotter copies owners)'], () => {
  it('finds a stored result in a later build; a record whose snapshot is gone is a miss', async () => {
    const state = await makeState(emptyFsState, 'a', 100);
    const first = await openCache();
    await first.store('step-1', ['op run v1', 'command a'], state);
    await first.release();
    const second = await openCache();
    expect(await second.lookup(prune, ['op run v1', 'command a'])).toEqual(state);
    expect(await second.lookup(prune, ['op run v1', 'command b'])).toBeUndefined();
    await second.release();
    await prune.snapshotter.remove(state.snapshot as string);
    expect(await (await openCache()).lookup(prune, ['op run v1', 'command a'])).toBeUndefined();
  });

  it('reads a garbage record as a miss, and a prune removes it', async () => {
    const { key } = computeCacheKey(['op run v1']);
    await writeFile(join(cacheDir, 'records', `${key}.json`), '\u0000garbage{');
    expect(await (await openCache()).lookup(prune, ['op run v1'])).toBeUndefined();
    expect(await pruneBuildCache(prune, { all: false, now })).toEqual({ deleted: [key], reclaimedBytes: 0 });
  });

  it('explains a miss against the parts the same step used last', async () => {
    const cache = await openCache();
    expect(await cache.explainMiss('s', ['op run v1'])).toBe('no previous build of this step');
    await cache.remember('s', ['op copy v1', 'file a.txt file 644 1 x', 'parent layers-1', 'arg V=1']);
    expect(await cache.explainMiss('s', ['op copy v1', 'file a.txt file 644 1 y', 'parent layers-2', 'arg V=2'])).toBe(
      'file a.txt changed, the step before it changed, build arg V changed',
    );
    expect(describeDifference(['a', 'b', 'c', 'd'], ['e', 'f', 'g', 'h'])).toBe('e added, f added, g added and 5 more');
  });

  it('keeps what a running build holds until it releases it, then frees snapshots and blobs', async () => {
    const base = await makeState(emptyFsState, 'base', 1000);
    const top = await makeState(base, 'top', 500);
    const build = await openCache();
    await build.store('s1', ['op run v1', 'command base'], base);
    await build.store('s2', ['op run v1', 'command top'], top);
    expect(await pruneBuildCache(prune, { all: true, now })).toEqual({ deleted: [], reclaimedBytes: 0 });
    expect(await prune.snapshotter.stat(top.snapshot as string)).toBeDefined();

    await build.release();
    const result = await pruneBuildCache(prune, { all: true, now });
    expect(result.deleted.sort()).toEqual([computeCacheKey(['op run v1', 'command base']).key, computeCacheKey(['op run v1', 'command top']).key].sort());
    // Each snapshot counts the bytes it adds on its parent (1000 and 500), each blob its size.
    expect(result.reclaimedBytes).toBe(1500 + top.layers.reduce((sum, l) => sum + l.descriptor.size, 0));
    expect(await prune.snapshotter.list()).toEqual([]);
    for (const layer of top.layers) expect(await prune.content.has(layer.diffId)).toBe(false);
  });

  it('never frees a blob an image references, nor the snapshots a container is built on', async () => {
    const base = await makeState(emptyFsState, 'base', 10);
    const top = await makeState(base, 'top', 10);
    const other = await makeState(emptyFsState, 'other', 10);
    const cache = await openCache();
    await cache.store('s1', ['op run v1', 'command top'], top);
    await cache.store('s2', ['op run v1', 'command other'], other);
    await cache.release();
    const config = await prune.content.ingestBytes(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [other.layers[0]?.diffId] } }));
    const manifest = await prune.content.ingestBytes(
      JSON.stringify({ schemaVersion: 2, mediaType: mediaTypes.ociManifest, config: { mediaType: mediaTypes.ociConfig, digest: config.digest, size: config.size }, layers: [other.layers[0]?.descriptor] }),
    );
    await prune.images.add({ manifestDigest: manifest.digest, id: config.digest });
    await prune.snapshotter.prepare('container-x', top.snapshot);

    const result = await pruneBuildCache(prune, { all: true, now });
    expect(result.deleted).toHaveLength(2);
    expect((await prune.snapshotter.list()).map((s) => s.name).sort()).toEqual([base.snapshot, top.snapshot, 'container-x'].sort());
    expect(await prune.content.has(other.layers[0]?.diffId as `sha256:${string}`)).toBe(true);
    expect(await prune.snapshotter.stat(other.snapshot as string)).toBeUndefined();
  });

  it("removes what a killed build left active, and so frees the chain under it; a live build's stays", async () => {
    const base = await makeState(emptyFsState, 'base', 10);
    const top = await makeState(base, 'top', 10);
    const cache = await openCache();
    await cache.store('s1', ['op run v1', 'command top'], top);
    await cache.release();
    // No process has a pid this high (pid_max is at most 2^22).
    const dead = `run-pid${2 ** 30}-abc-${'0'.repeat(12)}`;
    await prune.snapshotter.prepare(dead, top.snapshot);
    const live = uniqueKey('run');
    await prune.snapshotter.prepare(live, base.snapshot);

    await pruneBuildCache(prune, { all: true, now });
    expect((await prune.snapshotter.list()).map((s) => s.name).sort()).toEqual([base.snapshot, live].sort());
  });

  it('prune -a empties the cache mounts, but not while a build runs or with a filter', async () => {
    await mkdir(join(dir, 'mounts', 'abc'), { recursive: true });
    await writeFile(join(dir, 'mounts', 'abc', 'pkg.tar'), 'x'.repeat(300));
    await writeFile(join(dir, 'mounts', 'abc.lock'), '');
    const build = await openCache();
    await build.hold(emptyFsState);
    expect(await pruneBuildCache(prune, { all: true, now })).toEqual({ deleted: [], reclaimedBytes: 0 });
    await build.release();
    expect(await pruneBuildCache(prune, { all: true, unusedForMs: 0, now })).toEqual({ deleted: [], reclaimedBytes: 0 });
    expect(await pruneBuildCache(prune, { all: true, now })).toEqual({ deleted: ['abc'], reclaimedBytes: 300 });
    expect(await readdir(join(dir, 'mounts'))).toEqual([]);
  });

  it('without --all removes only records no newest build used', async () => {
    const old = await makeState(emptyFsState, 'old', 10);
    const current = await makeState(emptyFsState, 'new', 10);
    const cache = await openCache();
    await cache.store('step', ['op run v1', 'arg V=1'], old);
    await cache.store('step', ['op run v1', 'arg V=2'], current);
    await cache.release();
    const result = await pruneBuildCache(prune, { all: false, now });
    expect(result.deleted).toEqual([computeCacheKey(['op run v1', 'arg V=1']).key]);
    expect(await prune.snapshotter.stat(old.snapshot as string)).toBeUndefined();
    expect(await (await openCache()).lookup(prune, ['op run v1', 'arg V=2'])).toEqual(current);
  });

  it('refuses to record or hold a result a prune took meanwhile', async () => {
    const state = await makeState(emptyFsState, 'gone', 10);
    await prune.snapshotter.remove(state.snapshot as string);
    await expect((await openCache()).store('s', ['op run v1'], state)).rejects.toBeInstanceOf(ConflictError);
    await expect((await openCache()).hold(state)).rejects.toBeInstanceOf(ConflictError);
  });
});
