// Picks a snapshotter for a state root: overlay when the kernel can mount it on the state root's
// filesystem (probed with a real two-layer mount, once per boot: the answer is kept beside the snapshots
// with the kernel's boot id), the copy-based one otherwise or on request.
import { readTextIfAny } from '../../cache/index.js';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bootId as currentBootId } from './boot-id.js';
import { mountAll, unmount } from './mount.js';
import { NativeSnapshotter } from './native.js';
import { OverlaySnapshotter } from './overlay.js';
import type { Snapshotter } from './snapshotter.js';

export type SnapshotterChoice = 'auto' | 'overlay' | 'native';

const overlayProbes = new Map<string, Promise<boolean>>();

/** `snapshotsDir` is statePaths(root).snapshots; each snapshotter keeps its own folder below it. */
export async function openSnapshotter(snapshotsDir: string, choice: SnapshotterChoice = 'auto'): Promise<Snapshotter> {
  const useOverlay = choice === 'overlay' || (choice === 'auto' && (await overlayWorks(snapshotsDir)));
  const snapshotter = useOverlay ? new OverlaySnapshotter(join(snapshotsDir, 'overlay')) : new NativeSnapshotter(join(snapshotsDir, 'native'));
  await snapshotter.dropUnsyncedFromEarlierBoots();
  return snapshotter;
}

export function overlayWorks(snapshotsDir: string): Promise<boolean> {
  let probe = overlayProbes.get(snapshotsDir);
  if (!probe) {
    probe = probeOverlayOncePerBoot(snapshotsDir);
    overlayProbes.set(snapshotsDir, probe);
  }
  return probe;
}

/** The probe costs a mount and an unmount (~20 ms), too much for every `tsbuild run`; its answer holds until a reboot. */
async function probeOverlayOncePerBoot(snapshotsDir: string): Promise<boolean> {
  const bootId = await currentBootId();
  const answerFile = join(snapshotsDir, '.overlay-probe');
  const [cachedBoot, cachedAnswer] = readTextIfAny(answerFile).trim().split(' ');
  if (cachedBoot === bootId && (cachedAnswer === 'yes' || cachedAnswer === 'no')) return cachedAnswer === 'yes';
  const works = await probeOverlay(snapshotsDir);
  const temp = `${answerFile}.${process.pid}`;
  await writeFile(temp, `${bootId} ${works ? 'yes' : 'no'}\n`);
  await rename(temp, answerFile);
  return works;
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
