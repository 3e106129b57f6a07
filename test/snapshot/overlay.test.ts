// Runs the snapshotter conformance suite against kernel overlayfs, plus the long-lowerdir fallback and
// the volatile writable mounts (mounted again after an unmount, as a stopped container is restarted).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mountAll, unmount } from '../../src/snapshot/mount.js';
import { kernelAtLeast, OverlaySnapshotter, volatileMounts } from '../../src/snapshot/overlay.js';
import { describeIf, isRoot } from '../helpers/capabilities.js';
import { snapshotterConformance } from './snapshotter.suite.js';

describeIf('overlay snapshotter', isRoot() ? [] : ['root'], () => {
  describe('conformance', () => {
    snapshotterConformance((dir) => new OverlaySnapshotter(dir), { opaqueDirs: true });
  });

  it('mounts an active snapshot again after an unmount (volatile where the kernel has it)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tsbuild-snap-remount-'));
    const snapshotter = new OverlaySnapshotter(join(root, 'snapshots'));
    const target = join(root, 'mnt');
    await mkdir(target);
    try {
      await snapshotter.prepare('base-active');
      await mountAll(await snapshotter.mounts('base-active'), target);
      await writeFile(join(target, 'base'), 'base');
      await unmount(target);
      await snapshotter.commit('base', 'base-active');
      const mounts = await snapshotter.prepare('top', 'base');
      expect(mounts[0]?.options.includes('volatile')).toBe(volatileMounts);
      for (const round of [1, 2, 3]) {
        await mountAll(await snapshotter.mounts('top'), target);
        try {
          if (round > 1) expect(await readFile(join(target, 'round'), 'utf8')).toBe(String(round - 1));
          await writeFile(join(target, 'round'), String(round));
        } finally {
          await unmount(target);
        }
      }
      expect((await snapshotter.changes('top')).changes.map((change) => change.path)).toEqual(['round']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('hands the layer writer the image xattrs it read while finding opaque dirs, without overlay bookkeeping', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tsbuild-snap-xattrs-'));
    const snapshotter = new OverlaySnapshotter(join(root, 'snapshots'));
    const target = join(root, 'mnt');
    await mkdir(target);
    try {
      await snapshotter.prepare('base-active');
      await mountAll(await snapshotter.mounts('base-active'), target);
      await mkdir(join(target, 'dir'));
      await writeFile(join(target, 'dir/old'), 'old');
      await unmount(target);
      await snapshotter.commit('base', 'base-active');
      await snapshotter.prepare('top', 'base');
      await mountAll(await snapshotter.mounts('top'), target);
      try {
        await rm(join(target, 'dir'), { recursive: true });
        await mkdir(join(target, 'dir')); // replaces the lower dir: opaque
        await writeFile(join(target, 'dir/new'), 'new');
        execFileSync('setfattr', ['-n', 'user.note', '-v', '0x6869', join(target, 'dir/new')]);
      } finally {
        await unmount(target);
      }
      const { changes, contentRoot, xattrs } = await snapshotter.changes('top');
      expect(changes).toContainEqual({ kind: 'modify', path: 'dir', opaque: true });
      expect([...(xattrs ?? new Map())].map(([path, attrs]) => [path, [...attrs.keys()]])).toEqual([[join(contentRoot, 'dir/new'), ['user.note']]]);
      expect(xattrs?.get(join(contentRoot, 'dir/new'))?.get('user.note')?.toString()).toBe('hi');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('knows from the kernel release whether overlay has volatile (5.10+)', () => {
    expect(kernelAtLeast('6.18.44-fc-v595', 5, 10)).toBe(true);
    expect(kernelAtLeast('5.10.0-23-amd64', 5, 10)).toBe(true);
    expect(kernelAtLeast('5.4.0-150-generic', 5, 10)).toBe(false);
    expect(kernelAtLeast('4.19.0', 5, 10)).toBe(false);
  });

  it('mounts a chain whose lowerdir option is longer than a page', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tsbuild-snap-long-path-for-many-lower-dirs-'));
    const snapshotter = new OverlaySnapshotter(join(root, 'state', 'snapshots', 'overlay'));
    const target = join(root, 'mnt');
    await mkdir(target);
    let parent: string | undefined;
    const depth = 90;
    try {
      for (let i = 0; i < depth; i++) {
        await snapshotter.prepare(`layer-${i}-active`, parent);
        const mounts = await snapshotter.mounts(`layer-${i}-active`);
        await mountAll(mounts, target);
        await writeFile(join(target, `file-${i}`), String(i));
        await unmount(target);
        await snapshotter.commit(`layer-${i}`, `layer-${i}-active`);
        parent = `layer-${i}`;
      }
      const mounts = await snapshotter.prepare('top', parent);
      expect(mounts[0]?.options.join(',').length).toBeGreaterThan(4096);
      await mountAll(mounts, target);
      try {
        expect(await readFile(join(target, 'file-0'), 'utf8')).toBe('0');
        expect(await readFile(join(target, `file-${depth - 1}`), 'utf8')).toBe(String(depth - 1));
      } finally {
        await unmount(target);
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
