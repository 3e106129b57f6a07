// The cgroup (v1) a sandbox runs in: /tsbuild/<id> in every hierarchy, made and removed by runc (which
// sets the limits). With a memory limit runc runs with --keep, so the cgroup outlives the process long
// enough to read its OOM-kill count (v1 counts it only in the task's own cgroup) before `runc delete`.
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const cgroupRoot = '/sys/fs/cgroup';
export const cgroupPrefix = 'tsbuild';

export function sandboxCgroupsPath(id: string): string {
  return `/${cgroupPrefix}/${id}`;
}

let hierarchies: Promise<string[]> | undefined;

/**
 * Mount points of the cgroup hierarchies (memory, pids, cpu,cpuacct, name=systemd, unified…); read once per
 * process, synchronously (a sandbox start waits for it, and a thread-pool round trip costs more than the read).
 */
export function cgroupHierarchies(): Promise<string[]> {
  hierarchies ??= new Promise((resolve) => {
    try {
      resolve(readdirSync(cgroupRoot, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => join(cgroupRoot, entry.name)));
    } catch {
      resolve([]);
    }
  });
  return hierarchies;
}

export async function oomKillCount(id: string): Promise<number> {
  const text = await readFile(join(cgroupRoot, 'memory', cgroupPrefix, id, 'memory.oom_control'), 'utf8').catch(() => '');
  return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
}

/** The sandbox's cgroup in every hierarchy (runc removes them; this is for when runc could not). */
export async function sandboxCgroupDirs(id: string): Promise<string[]> {
  return (await cgroupHierarchies()).map((hierarchy) => join(hierarchy, cgroupPrefix, id));
}
