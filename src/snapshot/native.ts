// Copy-based snapshotter for hosts without overlayfs: an active snapshot starts as a full copy of its
// parent's tree (cp -a keeps owners, modes, times, hard links, xattrs; reflinks where the filesystem can)
// and is bind-mounted; changes come from comparing the two trees.
import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BaseSnapshotter, type ResolvedSnapshot } from './base-snapshotter.js';
import { runCommand } from './command.js';
import { compareTrees } from './tree-compare.js';
import type { ChangeSet, Mount, Usage } from './snapshotter.js';

export class NativeSnapshotter extends BaseSnapshotter {
  readonly name = 'native';

  protected async createStorage(id: string, parentIds: string[], kind: 'active' | 'view'): Promise<void> {
    const target = this.fsDir(id);
    const parent = parentIds[0];
    if (parent === undefined || kind === 'view') {
      await mkdir(target, { recursive: true });
      return;
    }
    await mkdir(this.storageDir(id));
    await runCommand('cp', ['-a', '--reflink=auto', this.fsDir(parent), target]);
  }

  protected mountsOf({ record, parentIds }: ResolvedSnapshot): Mount[] {
    if (record.kind === 'view') {
      // A view never changes, so it shows the parent's tree itself instead of a copy.
      const parent = parentIds[0];
      return [{ type: 'bind', source: this.fsDir(parent ?? record.id), options: ['bind', 'ro'] }];
    }
    return [{ type: 'bind', source: this.fsDir(record.id), options: ['bind', 'rw'] }];
  }

  protected async changesOf({ record, parentIds }: ResolvedSnapshot): Promise<ChangeSet> {
    const root = this.fsDir(record.id);
    const parent = parentIds[0];
    return { changes: await compareTrees(parent === undefined ? undefined : this.fsDir(parent), root), contentRoot: root };
  }

  protected async usageOf(snapshot: ResolvedSnapshot, counted: Set<number>): Promise<Usage> {
    if (snapshot.record.kind === 'view') return { size: 0, inodes: 0 };
    const { changes, contentRoot } = await this.changesOf(snapshot);
    const usage: Usage = { size: 0, inodes: 0 };
    for (const change of changes) {
      if (change.kind === 'delete') continue;
      const stats = await lstat(join(contentRoot, change.path));
      if (counted.has(stats.ino)) continue;
      counted.add(stats.ino);
      usage.inodes += 1;
      usage.size += stats.isFile() ? stats.size : 0;
    }
    return usage;
  }
}
