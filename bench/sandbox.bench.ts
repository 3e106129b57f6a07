// Sandbox speed: an empty build step (prepare → run `true` → commit, without and with the bridge
// network) beside the floor, plain `runc run` of a ready bundle; and the overlay vs native snapshotters
// on a 20,000-file tree (prepare+commit of a child, and changes() after touching 100 files).
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { statePaths } from '../src/config.js';
import { buildOciSpec } from '../src/executor/oci-spec.js';
import { RuncExecutor } from '../src/executor/runc.js';
import { runCommand } from '../src/snapshot/command.js';
import { mountAll, unmount } from '../src/snapshot/mount.js';
import { NativeSnapshotter } from '../src/snapshot/native.js';
import { OverlaySnapshotter } from '../src/snapshot/overlay.js';
import type { Snapshotter } from '../src/snapshot/snapshotter.js';
import type { NetworkMode } from '../src/executor/executor.js';
import { baseName, baseSpec, extractBase } from '../test/executor/sandbox-fixture.js';
import type { BenchRow } from './table.js';
import { readHostRlimits } from '../src/executor/rlimits.js';

const stepRuns = 30;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/**
 * CPU time (ms) used so far by this process and its waited-for children (runc, mount, ip…), from
 * /proc/self/stat: unlike wall time it hardly moves with what else loads the 2-core machine.
 */
function cpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0); // utime stime cutime cstime
  return (ticks * 1000) / clockTicksPerSecond;
}

/** USER_HZ: 100 on every Linux architecture we run on. */
const clockTicksPerSecond = 100;

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

async function benchEmptyStep(root: string): Promise<BenchRow[]> {
  const snapshotter = new OverlaySnapshotter(join(statePaths(root).snapshots, 'overlay'));
  await extractBase(snapshotter, root);
  const executor = new RuncExecutor({ root });
  const sink = new PassThrough().resume();
  const step = async (key: string, network: NetworkMode): Promise<void> => {
    const rootfs = await snapshotter.prepare(key, baseName);
    await executor.run({ ...baseSpec(key, ['true']), network, rootfs }, { stdout: sink, stderr: sink });
    await snapshotter.commit(`${key}-done`, key);
  };

  // The floor: the same rootfs and spec, already mounted and written, run by runc alone.
  const bundle = join(root, 'plain-bundle');
  const rootfs = join(bundle, 'rootfs');
  await mkdir(join(bundle, 'etc'), { recursive: true });
  await mkdir(rootfs);
  await mountAll(await snapshotter.prepare('plain-rootfs', baseName), rootfs);
  const etcFiles = { hosts: join(bundle, 'etc', 'hosts'), hostname: join(bundle, 'etc', 'hostname'), resolvConf: join(bundle, 'etc', 'resolv.conf') };
  await Promise.all(Object.values(etcFiles).map((path) => writeFile(path, '')));
  const spec = buildOciSpec(baseSpec('plain', ['true']), {
    rootfsPath: rootfs,
    user: { uid: 0, gid: 0, additionalGids: [], home: '/root' },
    etcFiles,
    hostRlimits: readHostRlimits(),
    netnsPath: undefined,
    cgroupsPath: '/tsbuild/bench-plain',
  });
  await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
  const runtimeRoot = join(root, 'plain-runc');
  const plain = (n: number): Promise<unknown> => runCommand('runc', ['--root', runtimeRoot, 'run', '--bundle', bundle, `plain-${n}`]);

  // Interleaved, so that all three see the same load from whatever else the machine is doing.
  const times = { none: [] as number[], bridge: [] as number[], plain: [] as number[] };
  const cpu = { none: 0, bridge: 0, plain: 0 };
  const measured = async (kind: keyof typeof times, action: () => Promise<unknown>): Promise<void> => {
    const before = cpuMs();
    times[kind].push(await timed(action));
    cpu[kind] += cpuMs() - before;
  };
  try {
    await step('bench-warm-none', 'none');
    await step('bench-warm-bridge', 'bridge');
    for (let n = 0; n < stepRuns; n++) {
      await measured('none', () => step(`bench-none-${n}`, 'none'));
      await measured('plain', () => plain(n));
      await measured('bridge', () => step(`bench-bridge-${n}`, 'bridge'));
    }
  } finally {
    await unmount(rootfs);
    await runCommand('rmdir', await cgroupLeaves('bench-plain')).catch(() => {});
  }
  const floor = { name: 'plain runc run', value: median(times.plain) };
  const cpuNote = (kind: 'none' | 'bridge'): string => `CPU ${(cpu[kind] / stepRuns).toFixed(1)} ms/step vs plain runc ${(cpu.plain / stepRuns).toFixed(1)} (tsbuild + children)`;
  return [
    { suite: 'sandbox', case: 'empty RUN step: prepare → run `true` → commit', unit: 'ms (median)', tsbuild: median(times.none), peer: floor, note: `target < 60 ms; ${stepRuns} runs each, interleaved; ${cpuNote('none')}` },
    { suite: 'sandbox', case: 'the same with the bridge network (netns + veth)', unit: 'ms (median)', tsbuild: median(times.bridge), peer: floor, note: `${stepRuns} runs, interleaved; ${cpuNote('bridge')}` },
  ];
}

async function cgroupLeaves(name: string): Promise<string[]> {
  const { stdout } = await runCommand('sh', ['-c', `ls -d /sys/fs/cgroup/*/tsbuild/${name} 2>/dev/null || true`]);
  return stdout.split('\n').filter(Boolean);
}

/** Writes 20,000 small files in 200 folders. */
async function writeTree(dir: string): Promise<void> {
  for (let d = 0; d < 200; d++) {
    await mkdir(join(dir, `d${d}`));
    await Promise.all(Array.from({ length: 100 }, (_, f) => writeFile(join(dir, `d${d}`, `f${f}`), `file ${d}/${f}\n`)));
  }
}

async function benchSnapshotter(root: string, snapshotter: Snapshotter): Promise<BenchRow[]> {
  const target = join(root, `mnt-${snapshotter.name}`);
  await mkdir(target);
  const withMounted = async (mounts: Awaited<ReturnType<Snapshotter['prepare']>>, use: () => Promise<void>): Promise<void> => {
    await mountAll(mounts, target);
    try {
      await use();
    } finally {
      await unmount(target);
    }
  };
  await withMounted(await snapshotter.prepare('tree-active'), () => writeTree(target));
  await snapshotter.commit('tree', 'tree-active');
  const prepareCommit = await timed(async () => {
    await snapshotter.prepare('child-active', 'tree');
    await snapshotter.commit('child', 'child-active');
  });
  await withMounted(await snapshotter.prepare('edit', 'tree'), async () => {
    await Promise.all(Array.from({ length: 100 }, (_, i) => writeFile(join(target, `d${i}`, 'f0'), 'changed\n')));
  });
  let count = 0;
  const changes = await timed(async () => {
    count = (await snapshotter.changes('edit')).changes.length;
  });
  return [
    { suite: 'sandbox', case: `${snapshotter.name} snapshotter: prepare+commit on a 20,000-file tree`, unit: 'ms', tsbuild: prepareCommit },
    { suite: 'sandbox', case: `${snapshotter.name} snapshotter: changes() after editing 100 of 20,000 files`, unit: 'ms', tsbuild: changes, note: `${count} changes` },
  ];
}

export async function runSandboxBench(): Promise<BenchRow[]> {
  const root = await mkdtemp(join(tmpdir(), 'tsbuild-bench-sandbox-'));
  try {
    const rows = await benchEmptyStep(root);
    rows.push(...(await benchSnapshotter(root, new OverlaySnapshotter(join(root, 'snap-overlay')))));
    rows.push(...(await benchSnapshotter(root, new NativeSnapshotter(join(root, 'snap-native')))));
    return rows;
  } finally {
    await runCommand('sh', ['-c', `grep -o " ${root}[^ ]*" /proc/self/mounts | xargs -r -n1 umount -l`]).catch(() => {});
    await rm(root, { recursive: true, force: true });
  }
}

/** Entry point for bench/run.ts. */
export const run = runSandboxBench;
