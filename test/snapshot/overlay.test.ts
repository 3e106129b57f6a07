// Runs the snapshotter conformance suite against kernel overlayfs, plus the long-lowerdir fallback.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mountAll, unmount } from '../../src/snapshot/mount.js';
import { OverlaySnapshotter } from '../../src/snapshot/overlay.js';
import { describeIf, isRoot } from '../helpers/capabilities.js';
import { snapshotterConformance } from './snapshotter.suite.js';

describeIf('overlay snapshotter', isRoot() ? [] : ['root'], () => {
  describe('conformance', () => {
    snapshotterConformance((dir) => new OverlaySnapshotter(dir), { opaqueDirs: true });
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
