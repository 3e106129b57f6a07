// One conformance suite for every Snapshotter (containerd's pattern): the same lifecycle, parent-chain,
// read-only-view, commit/remove, changes, usage and persistence facts must hold for overlay and native.
import { chmod, link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConflictError, NotFoundError, UserError } from '../../src/errors.js';
import { mountAll, unmount } from '../../src/snapshot/mount.js';
import type { Change } from '../../src/snapshot/changes.js';
import type { Mount, Snapshotter } from '../../src/snapshot/snapshotter.js';

export interface SnapshotterTraits {
  /** Overlay reports a replaced dir as opaque; a tree comparison reports the old children as deleted. */
  opaqueDirs: boolean;
}

export function snapshotterConformance(open: (dir: string) => Snapshotter, traits: SnapshotterTraits): void {
  let root: string;
  let dir: string;
  let snapshotter: Snapshotter;
  let mountCount = 0;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tsbuild-snap-'));
    dir = join(root, 'state');
    snapshotter = open(dir);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** Mounts `mounts` at a fresh dir for the duration of `use`. */
  async function withMounted<T>(mounts: Mount[], use: (path: string) => Promise<T>): Promise<T> {
    const target = join(root, `mnt-${mountCount++}`);
    await mkdir(target);
    await mountAll(mounts, target);
    try {
      return await use(target);
    } finally {
      await unmount(target);
      await rm(target, { recursive: true });
    }
  }

  async function commitTree(name: string, parent: string | undefined, write: (path: string) => Promise<void>): Promise<void> {
    await withMounted(await snapshotter.prepare(`${name}-active`, parent), write);
    await snapshotter.commit(name, `${name}-active`);
  }

  it('prepares, commits and lists snapshots with their kind and parent', async () => {
    await commitTree('life-base', undefined, (path) => writeFile(join(path, 'hello'), 'base'));
    await snapshotter.prepare('life-child', 'life-base');
    expect(await snapshotter.stat('life-base')).toMatchObject({ name: 'life-base', kind: 'committed', parent: undefined });
    expect(await snapshotter.stat('life-child')).toMatchObject({ name: 'life-child', kind: 'active', parent: 'life-base' });
    expect(await snapshotter.stat('life-base-active')).toBeUndefined();
    const names = (await snapshotter.list()).map((info) => info.name);
    expect(names).toEqual(expect.arrayContaining(['life-base', 'life-child']));
    const content = await withMounted(await snapshotter.mounts('life-child'), (path) => readFile(join(path, 'hello'), 'utf8'));
    expect(content).toBe('base');
    await snapshotter.remove('life-child');
    await snapshotter.remove('life-base');
    expect(await snapshotter.stat('life-base')).toBeUndefined();
  });

  it('stacks a parent chain: each layer sees its ancestors, deletions hide lower files', async () => {
    await commitTree('chain-1', undefined, async (path) => {
      await writeFile(join(path, 'one'), '1');
      await writeFile(join(path, 'gone'), 'x');
    });
    await commitTree('chain-2', 'chain-1', async (path) => {
      await writeFile(join(path, 'two'), '2');
      await rm(join(path, 'gone'));
    });
    await commitTree('chain-3', 'chain-2', (path) => writeFile(join(path, 'one'), 'one again'));
    await withMounted(await snapshotter.view('chain-view', 'chain-3'), async (path) => {
      expect(await readFile(join(path, 'one'), 'utf8')).toBe('one again');
      expect(await readFile(join(path, 'two'), 'utf8')).toBe('2');
      await expect(readFile(join(path, 'gone'))).rejects.toMatchObject({ code: 'ENOENT' });
    });
    for (const key of ['chain-view', 'chain-3', 'chain-2', 'chain-1']) await snapshotter.remove(key);
  });

  it('mounts views read-only', async () => {
    await commitTree('ro-base', undefined, (path) => writeFile(join(path, 'f'), 'x'));
    await withMounted(await snapshotter.view('ro-view', 'ro-base'), async (path) => {
      await expect(writeFile(join(path, 'f'), 'changed')).rejects.toMatchObject({ code: 'EROFS' });
      await expect(writeFile(join(path, 'new'), 'x')).rejects.toMatchObject({ code: 'EROFS' });
    });
    await withMounted(await snapshotter.view('ro-empty'), async (path) => {
      await expect(writeFile(join(path, 'new'), 'x')).rejects.toMatchObject({ code: 'EROFS' });
    });
    for (const key of ['ro-view', 'ro-empty', 'ro-base']) await snapshotter.remove(key);
  });

  it('enforces the commit and remove rules', async () => {
    await commitTree('rules-base', undefined, async () => {});
    await snapshotter.prepare('rules-active', 'rules-base');
    await snapshotter.view('rules-view', 'rules-base');
    await expect(snapshotter.prepare('rules-active')).rejects.toBeInstanceOf(ConflictError);
    await expect(snapshotter.prepare('rules-x', 'missing')).rejects.toBeInstanceOf(NotFoundError);
    await expect(snapshotter.prepare('rules-x', 'rules-active')).rejects.toBeInstanceOf(UserError);
    await expect(snapshotter.commit('rules-c', 'rules-view')).rejects.toBeInstanceOf(UserError);
    await expect(snapshotter.commit('rules-c', 'rules-base')).rejects.toBeInstanceOf(UserError);
    await expect(snapshotter.commit('rules-c', 'missing')).rejects.toBeInstanceOf(NotFoundError);
    await expect(snapshotter.commit('rules-base', 'rules-active')).rejects.toBeInstanceOf(ConflictError);
    await expect(snapshotter.mounts('rules-base')).rejects.toBeInstanceOf(UserError);
    await expect(snapshotter.remove('rules-base')).rejects.toBeInstanceOf(ConflictError);
    await expect(snapshotter.remove('missing')).rejects.toBeInstanceOf(NotFoundError);
    await snapshotter.commit('rules-c', 'rules-active');
    expect(await snapshotter.stat('rules-active')).toBeUndefined();
    for (const key of ['rules-view', 'rules-c', 'rules-base']) await snapshotter.remove(key);
    expect((await snapshotter.list()).filter((info) => info.name.startsWith('rules-'))).toEqual([]);
  });

  it('reports added, modified, deleted, opaque, symlinked, hard-linked and chmodded paths, sorted', async () => {
    await commitTree('chg-base', undefined, async (path) => {
      await writeFile(join(path, 'a'), 'a');
      await writeFile(join(path, 'm'), 'm');
      await mkdir(join(path, 'd'));
      await writeFile(join(path, 'd', 'x'), 'x');
      await writeFile(join(path, 'd', 'y'), 'y');
      await mkdir(join(path, 'r'));
      await writeFile(join(path, 'r', 'old'), 'old');
      await symlink('a', join(path, 'link'));
    });
    const mounts = await snapshotter.prepare('chg', 'chg-base');
    await withMounted(mounts, async (path) => {
      await writeFile(join(path, 'n'), 'new');
      await writeFile(join(path, 'a'), 'changed');
      await rm(join(path, 'd', 'x'));
      await rm(join(path, 'r'), { recursive: true });
      await mkdir(join(path, 'r'));
      await writeFile(join(path, 'r', 'z'), 'z');
      await symlink('n', join(path, 's'));
      await link(join(path, 'n'), join(path, 'h'));
      await chmod(join(path, 'm'), 0o600);
    });
    const { changes, contentRoot } = await snapshotter.changes('chg');
    const expected: Change[] = [
      { kind: 'modify', path: 'a' },
      { kind: 'modify', path: 'd' },
      { kind: 'delete', path: 'd/x' },
      { kind: 'add', path: 'h' },
      { kind: 'modify', path: 'm' },
      { kind: 'add', path: 'n' },
      traits.opaqueDirs ? { kind: 'modify', path: 'r', opaque: true } : { kind: 'modify', path: 'r' },
      ...(traits.opaqueDirs ? [] : [{ kind: 'delete', path: 'r/old' } as Change]),
      { kind: 'add', path: 'r/z' },
      { kind: 'add', path: 's' },
    ];
    expect(changes).toEqual(expected);
    expect(await readFile(join(contentRoot, 'a'), 'utf8')).toBe('changed');
    await snapshotter.remove('chg');
    await snapshotter.remove('chg-base');
  });

  it('reports a dangling symlink like any other added path', async () => {
    await commitTree('dangle-base', undefined, async () => {});
    const mounts = await snapshotter.prepare('dangle', 'dangle-base');
    await withMounted(mounts, (path) => symlink('/nowhere/at/all', join(path, 'dangling')));
    expect((await snapshotter.changes('dangle')).changes).toEqual([{ kind: 'add', path: 'dangling' }]);
    await snapshotter.remove('dangle');
    await snapshotter.remove('dangle-base');
  });

  it('measures usage as what a snapshot adds on top of its parent', async () => {
    await commitTree('use-base', undefined, (path) => writeFile(join(path, 'big-base'), Buffer.alloc(2 << 20)));
    await commitTree('use-child', 'use-base', (path) => writeFile(join(path, 'one-mib'), Buffer.alloc(1 << 20)));
    const usage = await snapshotter.usage('use-child');
    expect(usage.size).toBe(1 << 20);
    expect(usage.inodes).toBe(1);
    await snapshotter.remove('use-child');
    await snapshotter.remove('use-base');
  });

  it('counts a file two snapshots share once when asked with one set for both', async () => {
    await commitTree('share-a', undefined, (path) => writeFile(join(path, 'one-mib'), Buffer.alloc(1 << 20)));
    const mounts = await snapshotter.prepare('share-b');
    const ownA = (await snapshotter.ownFiles('share-a')) as string;
    const ownB = (await snapshotter.ownFiles('share-b')) as string;
    await link(join(ownA, 'one-mib'), join(ownB, 'linked')); // as a COPY links an unchanged file
    await withMounted(mounts, (path) => writeFile(join(path, 'own'), Buffer.alloc(1000)));
    await snapshotter.commit('share-b-done', 'share-b');
    expect((await snapshotter.usage('share-b-done')).size).toBe((1 << 20) + 1000);
    const counted = new Set<number>();
    const sizes = [(await snapshotter.usage('share-b-done', counted)).size, (await snapshotter.usage('share-a', counted)).size];
    expect(sizes).toEqual([(1 << 20) + 1000, 0]);
    await snapshotter.remove('share-b-done');
    await snapshotter.remove('share-a');
  });

  it('persists across reopening and stays consistent under concurrent writers', async () => {
    await commitTree('persist-base', undefined, (path) => writeFile(join(path, 'kept'), 'yes'));
    const other = open(dir);
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? snapshotter : other).prepare(`persist-${i}`, 'persist-base')),
    );
    const reopened = open(dir);
    const names = (await reopened.list()).map((info) => info.name).filter((name) => name.startsWith('persist-'));
    expect(names.sort()).toEqual(['persist-base', ...Array.from({ length: 12 }, (_, i) => `persist-${i}`)].sort());
    const kept = await withMounted(await reopened.mounts('persist-3'), (path) => readFile(join(path, 'kept'), 'utf8'));
    expect(kept).toBe('yes');
    for (let i = 0; i < 12; i++) await reopened.remove(`persist-${i}`);
    await reopened.remove('persist-base');
  });
}
