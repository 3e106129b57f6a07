// The snapshotter choice: overlay when the kernel mounts it on the state root, native on request.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mountAll, unmount } from '../../src/snapshot/mount.js';
import { snapshotMetadata, type SnapshotRecord } from '../../src/snapshot/metadata.js';
import { openSnapshotter, overlayWorks } from '../../src/snapshot/open-snapshotter.js';
import { describeIf, isRoot } from '../helpers/capabilities.js';

describeIf('openSnapshotter', isRoot() ? [] : ['root'], () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tsbuild-open-snap-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('picks overlay automatically where overlay mounts work, native when asked', async () => {
    expect(await overlayWorks(root)).toBe(true);
    expect((await openSnapshotter(root)).name).toBe('overlay');
    expect((await openSnapshotter(root, 'native')).name).toBe('native');
  });

  it('keeps the probe’s answer for the boot, so later processes skip the mount', async () => {
    const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    expect(await readFile(join(root, '.overlay-probe'), 'utf8')).toBe(`${bootId} yes\n`);
    const remembered = join(root, 'remembered');
    await mkdir(remembered);
    await writeFile(join(remembered, '.overlay-probe'), `${bootId} no\n`);
    expect(await overlayWorks(remembered)).toBe(false);
    const otherBoot = join(root, 'other-boot');
    await mkdir(otherBoot);
    await writeFile(join(otherBoot, '.overlay-probe'), 'a-previous-boot no\n');
    expect(await overlayWorks(otherBoot)).toBe(true);
  });

  it('falls back to native where overlay cannot mount (overlayfs refuses an overlayfs upper dir)', async () => {
    const outer = await openSnapshotter(join(root, 'outer'), 'overlay');
    await outer.prepare('base');
    await outer.commit('base-done', 'base');
    const target = join(root, 'merged');
    await mkdir(target);
    await mountAll(await outer.prepare('upper', 'base-done'), target);
    try {
      expect(await overlayWorks(join(target, 'state'))).toBe(false);
      expect((await openSnapshotter(join(target, 'state'))).name).toBe('native');
    } finally {
      await unmount(target);
    }
  });

  it('drops snapshots an earlier boot committed and no sync covered, with what stands on them; markSynced clears the mark', async () => {
    const dir = join(root, 'crash');
    const snapshotter = await openSnapshotter(dir, 'native');
    const commit = async (name: string, parent?: string): Promise<void> => {
      await snapshotter.prepare(`${name}-active`, parent);
      await snapshotter.commit(name, `${name}-active`);
    };
    await commit('lost');
    await commit('on-lost', 'lost');
    await snapshotter.prepare('container-on-lost', 'on-lost');
    await commit('synced');
    await commit('this-boot');
    await snapshotter.markSynced(new Date(0)); // a sync that started before every commit covers none
    // What a crash in an earlier boot leaves: 'lost' was committed then, and 'synced' was covered by a sync.
    const metadata = snapshotMetadata(join(dir, 'native'));
    const table = metadata.read();
    expect(Object.values(table.snapshots).filter((record) => record.unsyncedBoot !== undefined)).toHaveLength(4);
    await metadata.update((edit) => {
      edit.set('snapshots', 'lost', { ...(edit.table.snapshots['lost'] as SnapshotRecord), unsyncedBoot: 'an-earlier-boot' });
      const { unsyncedBoot: _covered, ...synced } = edit.table.snapshots['synced'] as SnapshotRecord;
      edit.set('snapshots', 'synced', synced);
    });
    const lostStorage = join(dir, 'native', 'snapshots', (table.snapshots['lost'] as SnapshotRecord).id);

    const reopened = await openSnapshotter(dir, 'native');
    expect((await reopened.list()).map((info) => info.name)).toEqual(['synced', 'this-boot']);
    await expect(readFile(lostStorage)).rejects.toThrow(/ENOENT/);

    expect(await reopened.hasUnsynced()).toBe(true);
    await reopened.markSynced(new Date());
    expect(await reopened.hasUnsynced()).toBe(false);
    const after = snapshotMetadata(join(dir, 'native')).read();
    expect(Object.values(after.snapshots).map((record) => record.unsyncedBoot)).toEqual([undefined, undefined]);
  });
});
