// The cgroup (v1) a sandbox runs in: /tsbuild/<id>/sandbox in every hierarchy, made by runc (which
// sets the limits). runc runs with --keep so the leaf outlives the process long enough to read its
// OOM-kill count (v1 counts it only in the task's own cgroup); `runc delete` removes the leaf and we
// remove the /tsbuild/<id> folders runc made on the way.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const cgroupRoot = '/sys/fs/cgroup';
export const cgroupPrefix = 'tsbuild';

export function sandboxCgroupsPath(id: string): string {
  return `/${cgroupPrefix}/${id}/sandbox`;
}

/** Mount points of the cgroup hierarchies (memory, pids, cpu,cpuacct, name=systemd, unified…). */
export async function cgroupHierarchies(): Promise<string[]> {
  const entries = await readdir(cgroupRoot, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => join(cgroupRoot, entry.name));
}

export async function oomKillCount(id: string): Promise<number> {
  const text = await readFile(join(cgroupRoot, 'memory', cgroupPrefix, id, 'sandbox', 'memory.oom_control'), 'utf8').catch(() => '');
  return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
}

/** Leaf then parent in every hierarchy: what `rmdir` must remove, in order. */
export async function sandboxCgroupDirs(id: string): Promise<string[]> {
  return (await cgroupHierarchies()).flatMap((hierarchy) => [
    join(hierarchy, cgroupPrefix, id, 'sandbox'),
    join(hierarchy, cgroupPrefix, id),
  ]);
}
