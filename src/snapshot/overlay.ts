// Kernel overlayfs snapshotter: each snapshot is a folder with fs/ (the upper dir; the whole tree for a
// base snapshot) and work/; an active snapshot mounts its ancestors' fs/ folders as lower dirs.
// redirect_dir, metacopy and index stay off so the upper dir alone describes the change (see overlay-changes.ts).
import { mkdirSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { BaseSnapshotter, type ResolvedSnapshot } from './base-snapshotter.js';
import { measureTree } from './file-content.js';
import { readUpperChanges } from './overlay-changes.js';
import { removeTree } from './remove-tree.js';
import type { ChangeSet, Mount, Usage } from './snapshotter.js';

const overlayOptions = ['index=off', 'redirect_dir=off', 'metacopy=off'];

/**
 * Writable mounts are `volatile` (Linux >= 5.10): without it every unmount syncs the whole filesystem
 * holding the upper dir (5-20 ms per step, more under write load). Nothing needs that sync: changes are
 * read from the upper dir, not the mount, and a sandbox's files are no more durable under Docker while
 * it runs. The kernel marks such a work dir dirty; mountAll clears the mark before mounting it again.
 */
export const volatileMounts = kernelAtLeast(release(), 5, 10);

export function kernelAtLeast(kernelRelease: string, major: number, minor: number): boolean {
  const [kernelMajor = 0, kernelMinor = 0] = kernelRelease.split(/[.-]/).map(Number);
  return kernelMajor > major || (kernelMajor === major && kernelMinor >= minor);
}

export class OverlaySnapshotter extends BaseSnapshotter {
  readonly name = 'overlay';

  protected async createStorage(id: string, _parentIds: string[], kind: 'active' | 'view'): Promise<void> {
    mkdirSync(this.fsDir(id), { recursive: true });
    if (kind === 'active') mkdirSync(join(this.storageDir(id), 'work'));
  }

  protected override async onCommitted(id: string): Promise<void> {
    await removeTree(join(this.storageDir(id), 'work'));
  }

  protected mountsOf({ record, parentIds }: ResolvedSnapshot): Mount[] {
    const lowers = parentIds.map((id) => this.fsDir(id));
    if (record.kind === 'view') {
      if (lowers.length === 0) return [{ type: 'bind', source: this.fsDir(record.id), options: ['bind', 'ro'] }];
      if (lowers.length === 1) return [{ type: 'bind', source: lowers[0] as string, options: ['bind', 'ro'] }];
      return [{ type: 'overlay', source: 'overlay', options: [...overlayOptions, `lowerdir=${lowers.join(':')}`] }];
    }
    if (lowers.length === 0) return [{ type: 'bind', source: this.fsDir(record.id), options: ['bind', 'rw'] }];
    return [
      {
        type: 'overlay',
        source: 'overlay',
        options: [
          ...overlayOptions,
          ...(volatileMounts ? ['volatile'] : []),
          `workdir=${join(this.storageDir(record.id), 'work')}`,
          `upperdir=${this.fsDir(record.id)}`,
          `lowerdir=${lowers.join(':')}`,
        ],
      },
    ];
  }

  protected async changesOf({ record, parentIds }: ResolvedSnapshot): Promise<ChangeSet> {
    const upper = this.fsDir(record.id);
    return { ...(await readUpperChanges(upper, parentIds.map((id) => this.fsDir(id)))), contentRoot: upper };
  }

  protected usageOf({ record }: ResolvedSnapshot, counted: Set<number>): Promise<Usage> {
    return measureTree(this.fsDir(record.id), counted);
  }
}
