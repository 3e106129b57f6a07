// Finds what sandboxes left behind — mounts under the state root, containers in our runc root, bundles,
// address allocations, and the host-wide network namespaces, veths and cgroups named after sandboxes —
// and removes it. A sandbox counts as live while the process that started it (see sandboxRegistry) is
// alive; host-wide things are also left alone while something still runs in them.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../snapshot/command.js';
import { cgroupHierarchies, cgroupPrefix } from './cgroups.js';
import { runCleanupSteps, type CleanupStep } from './cleanup-plan.js';
import { netnsPrefix, readAllocations, vethName, vethPrefix } from './network.js';
import { sandboxPaths, sandboxRegistry } from './runc.js';

export type LeftoverKind = 'mount' | 'container' | 'bundle' | 'address' | 'netns' | 'veth' | 'cgroup' | 'registration';

export interface Leftover {
  kind: LeftoverKind;
  name: string;
  cleanup: CleanupStep[];
}

export async function findLeftovers(root: string, runtime = 'runc'): Promise<Leftover[]> {
  const paths = sandboxPaths(root);
  const { live, dead } = await registeredSandboxes();
  const leftovers: Leftover[] = dead.map((id) => ({ kind: 'registration', name: id, cleanup: [{ kind: 'remove', path: join(sandboxRegistry, id) }] }));

  for (const mountPoint of await mountsUnder(root)) {
    const id = /\/sandboxes\/([^/]+)\//.exec(mountPoint)?.[1];
    if (id === undefined || !live.has(id)) leftovers.push({ kind: 'mount', name: mountPoint, cleanup: [{ kind: 'unmount', path: mountPoint }] });
  }
  for (const id of await runtimeContainers(runtime, paths.runtimeRoot)) {
    if (!live.has(id)) leftovers.push({ kind: 'container', name: id, cleanup: [{ kind: 'command', argv: [runtime, '--root', paths.runtimeRoot, 'delete', '-f', id] }] });
  }
  for (const id of await readdir(paths.sandboxes).catch(() => [])) {
    if (!live.has(id)) leftovers.push({ kind: 'bundle', name: join(paths.sandboxes, id), cleanup: [{ kind: 'remove', path: join(paths.sandboxes, id) }] });
  }
  for (const { ip, id } of await readAllocations(paths.network)) {
    if (!live.has(id)) leftovers.push({ kind: 'address', name: `${ip} (${id})`, cleanup: [{ kind: 'remove', path: join(paths.network, 'ips', ip) }] });
  }
  const namespaces = (await readdir('/run/netns').catch(() => [])).filter((name) => name.startsWith(netnsPrefix));
  for (const netns of namespaces) {
    const id = netns.slice(netnsPrefix.length);
    if (!live.has(id) && !(await netnsInUse(netns))) leftovers.push({ kind: 'netns', name: netns, cleanup: [{ kind: 'command', argv: ['ip', 'netns', 'del', netns] }] });
  }
  const vethsInUse = new Set(namespaces.map((netns) => vethName(netns.slice(netnsPrefix.length))));
  for (const veth of await hostVeths()) {
    if (!vethsInUse.has(veth)) leftovers.push({ kind: 'veth', name: veth, cleanup: [{ kind: 'command', argv: ['ip', 'link', 'del', veth] }] });
  }
  for (const hierarchy of await cgroupHierarchies()) {
    for (const id of await readdir(join(hierarchy, cgroupPrefix)).catch(() => [])) {
      const dir = join(hierarchy, cgroupPrefix, id);
      if (!(await stat(dir).catch(() => undefined))?.isDirectory() || live.has(id) || (await cgroupInUse(dir))) continue;
      leftovers.push({ kind: 'cgroup', name: dir, cleanup: [{ kind: 'rmdir', paths: [dir] }] });
    }
  }
  return leftovers;
}

export async function removeLeftovers(leftovers: Leftover[]): Promise<void> {
  // Containers first (they hold mounts, namespaces and cgroups), then mounts, then the rest.
  const order: LeftoverKind[] = ['container', 'mount', 'netns', 'veth', 'cgroup', 'address', 'bundle', 'registration'];
  for (const kind of order) await runCleanupSteps(leftovers.filter((item) => item.kind === kind).flatMap((item) => item.cleanup));
}

async function registeredSandboxes(): Promise<{ live: Set<string>; dead: string[] }> {
  const live = new Set<string>();
  const dead: string[] = [];
  for (const id of await readdir(sandboxRegistry).catch(() => [])) {
    const owner = Number((await readFile(join(sandboxRegistry, id), 'utf8').catch(() => 'NaN')).split('\n')[0]);
    if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) live.add(id);
    else dead.push(id);
  }
  return { live, dead };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Mount points under `root`, deepest first (from /proc/self/mountinfo; octal escapes decoded). */
async function mountsUnder(root: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points = text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined)
    .map((point) => point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point.startsWith(`${root}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

async function runtimeContainers(runtime: string, runtimeRoot: string): Promise<string[]> {
  try {
    const { stdout } = await runCommand(runtime, ['--root', runtimeRoot, 'list', '--format', 'json']);
    const list = JSON.parse(stdout || 'null') as { id: string }[] | null;
    return (list ?? []).map((container) => container.id);
  } catch {
    return [];
  }
}

async function netnsInUse(netns: string): Promise<boolean> {
  const { stdout } = await runCommand('ip', ['netns', 'pids', netns]).catch(() => ({ stdout: '' }));
  return stdout.trim() !== '';
}

async function hostVeths(): Promise<string[]> {
  const { stdout } = await runCommand('ip', ['-o', 'link', 'show', 'type', 'veth']).catch(() => ({ stdout: '' }));
  return [...stdout.matchAll(/^\d+: ([^@:]+)/gm)].map((m) => m[1] as string).filter((name) => name.startsWith(vethPrefix));
}

/** A cgroup that still has tasks belongs to something running. */
async function cgroupInUse(dir: string): Promise<boolean> {
  return (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).trim() !== '';
}
