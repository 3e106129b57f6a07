// The cgroup (v1) a sandbox runs in. runc creates and removes the leaf /tsbuild/<id>/sandbox in every
// hierarchy; we own the parent /tsbuild/<id>, which carries the memory limit. The kernel counts an OOM
// kill in the cgroup whose limit was hit, so the parent's memory.oom_control still tells after runc
// has removed the leaf whether the sandbox died of memory.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
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

/** Creates the parent memory cgroup with the limit (swap included, so the limit is the limit). */
export async function createMemoryParent(id: string, memoryBytes: number | undefined): Promise<void> {
  const dir = join(cgroupRoot, 'memory', cgroupPrefix, id);
  await mkdir(dir, { recursive: true });
  if (memoryBytes === undefined) return;
  await writeFile(join(dir, 'memory.limit_in_bytes'), String(memoryBytes));
  await writeFile(join(dir, 'memory.memsw.limit_in_bytes'), String(memoryBytes)).catch(() => {});
}

export async function oomKillCount(id: string): Promise<number> {
  const text = await readFile(join(cgroupRoot, 'memory', cgroupPrefix, id, 'memory.oom_control'), 'utf8').catch(() => '');
  return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
}

/** Leaf then parent in every hierarchy: what `rmdir` must remove, in order. */
export async function sandboxCgroupDirs(id: string): Promise<string[]> {
  return (await cgroupHierarchies()).flatMap((hierarchy) => [
    join(hierarchy, cgroupPrefix, id, 'sandbox'),
    join(hierarchy, cgroupPrefix, id),
  ]);
}
