// Test double for the op logic tests: a Snapshotter that copies whole directories (cp -a) and finds
// changes by comparing trees, plus a Mounter doing plain bind mounts. The real overlay and native
// snapshotters have their own conformance suite; these only let the ops run on real files here.
import { execFile } from 'node:child_process';
import { lstat, mkdir, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Change } from '../../../src/snapshot/changes.js';
import type { Mount, SnapshotInfo, Snapshotter, Usage } from '../../../src/snapshot/snapshotter.js';
import type { Mounter } from '../../../src/ops/fs-state.js';

const run = promisify(execFile);

export class DirSnapshotter implements Snapshotter {
  readonly name = 'native' as const;
  private readonly infos = new Map<string, SnapshotInfo>();

  constructor(private readonly root: string) {}

  private dir(key: string): string {
    return join(this.root, key);
  }

  private async create(key: string, parent: string | undefined, kind: 'active' | 'view'): Promise<Mount[]> {
    if (this.infos.has(key)) throw new Error(`snapshot ${key} exists`);
    if (parent !== undefined && this.infos.get(parent)?.kind !== 'committed') throw new Error(`parent ${parent} is not committed`);
    await mkdir(this.root, { recursive: true });
    if (parent === undefined) await mkdir(this.dir(key));
    else await run('cp', ['-a', this.dir(parent), this.dir(key)]);
    this.infos.set(key, { name: key, kind, parent, created: new Date() });
    return this.mounts(key);
  }

  prepare(key: string, parent?: string): Promise<Mount[]> {
    return this.create(key, parent, 'active');
  }

  view(key: string, parent?: string): Promise<Mount[]> {
    return this.create(key, parent, 'view');
  }

  async mounts(key: string): Promise<Mount[]> {
    return [{ type: 'bind', source: this.dir(key), options: ['rbind', 'rw'] }];
  }

  async commit(name: string, key: string): Promise<void> {
    const info = this.infos.get(key);
    if (!info || info.kind !== 'active') throw new Error(`no active snapshot ${key}`);
    if (this.infos.has(name)) throw new Error(`snapshot ${name} exists`);
    await run('mv', [this.dir(key), this.dir(name)]);
    this.infos.delete(key);
    this.infos.set(name, { ...info, name, kind: 'committed' });
  }

  async remove(keyOrName: string): Promise<void> {
    if (!this.infos.delete(keyOrName)) throw new Error(`no snapshot ${keyOrName}`);
    await rm(this.dir(keyOrName), { recursive: true, force: true });
  }

  async stat(keyOrName: string): Promise<SnapshotInfo | undefined> {
    return this.infos.get(keyOrName);
  }

  async list(): Promise<SnapshotInfo[]> {
    return [...this.infos.values()];
  }

  async usage(): Promise<Usage> {
    return { size: 0, inodes: 0 };
  }

  async changes(key: string): Promise<{ changes: Change[]; contentRoot: string }> {
    const info = this.infos.get(key);
    if (!info) throw new Error(`no snapshot ${key}`);
    const changes: Change[] = [];
    const before = info.parent === undefined ? undefined : this.dir(info.parent);
    await compareTrees(before, this.dir(key), '', changes);
    changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { changes, contentRoot: this.dir(key) };
  }
}

async function entry(dir: string | undefined, rel: string): Promise<{ key: string; isDir: boolean } | undefined> {
  if (dir === undefined) return undefined;
  const path = join(dir, rel);
  const info = await lstat(path).catch(() => undefined);
  if (!info) return undefined;
  const content = info.isFile() ? (await readFile(path)).toString('base64') : info.isSymbolicLink() ? await readlink(path) : '';
  return { key: `${info.mode}:${info.uid}:${info.gid}:${content}`, isDir: info.isDirectory() };
}

async function compareTrees(before: string | undefined, after: string, rel: string, out: Change[]): Promise<void> {
  const names = new Set<string>(await readdir(join(after, rel)));
  if (before !== undefined) for (const name of await readdir(join(before, rel)).catch(() => [] as string[])) names.add(name);
  for (const name of names) {
    const path = rel === '' ? name : `${rel}/${name}`;
    const [old, now] = await Promise.all([entry(before, path), entry(after, path)]);
    if (!now) out.push({ kind: 'delete', path });
    else if (!old) out.push({ kind: 'add', path });
    else if (old.key !== now.key) out.push({ kind: 'modify', path });
    if (now?.isDir) await compareTrees(old?.isDir ? before : undefined, after, path, out);
  }
}

export const bindMounter: Mounter = {
  async mount(mounts, target) {
    const [mount] = mounts;
    if (!mount || mounts.length !== 1 || mount.type !== 'bind') throw new Error('bindMounter mounts one bind mount');
    await run('mount', ['--bind', mount.source, target]);
  },
  async unmount(target) {
    await run('umount', [target]);
  },
};
