// Picks a snapshotter for a state root: overlay when the kernel can mount it on the state root's
// filesystem (probed once per process with a real two-layer mount), the copy-based one otherwise or on request.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mountAll, unmount } from './mount.js';
import { NativeSnapshotter } from './native.js';
import { OverlaySnapshotter } from './overlay.js';
import type { Snapshotter } from './snapshotter.js';

export type SnapshotterChoice = 'auto' | 'overlay' | 'native';

const overlayProbes = new Map<string, Promise<boolean>>();

/** `snapshotsDir` is statePaths(root).snapshots; each snapshotter keeps its own folder below it. */
export async function openSnapshotter(snapshotsDir: string, choice: SnapshotterChoice = 'auto'): Promise<Snapshotter> {
  const useOverlay = choice === 'overlay' || (choice === 'auto' && (await overlayWorks(snapshotsDir)));
  return useOverlay ? new OverlaySnapshotter(join(snapshotsDir, 'overlay')) : new NativeSnapshotter(join(snapshotsDir, 'native'));
}

export function overlayWorks(snapshotsDir: string): Promise<boolean> {
  let probe = overlayProbes.get(snapshotsDir);
  if (!probe) {
    probe = probeOverlay(snapshotsDir);
    overlayProbes.set(snapshotsDir, probe);
  }
  return probe;
}

async function probeOverlay(snapshotsDir: string): Promise<boolean> {
  await mkdir(snapshotsDir, { recursive: true });
  const dir = await mkdtemp(join(snapshotsDir, '.overlay-probe-'));
  const [lower1, lower2, upper, work, merged] = ['l1', 'l2', 'u', 'w', 'm'].map((name) => join(dir, name)) as [string, string, string, string, string];
  try {
    await Promise.all([lower1, lower2, upper, work, merged].map((path) => mkdir(path)));
    await mountAll([{ type: 'overlay', source: 'overlay', options: [`workdir=${work}`, `upperdir=${upper}`, `lowerdir=${lower1}:${lower2}`] }], merged);
    await unmount(merged);
    return true;
  } catch {
    return false;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
