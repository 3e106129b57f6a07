// runc creates a missing mount point (e.g. /etc/hostname, /dev/shm in a bare rootfs) inside the rootfs,
// which would leak into the step's changes. We note which mount points did not exist before the run and
// take away the empty stubs afterwards — never anything a process put there.
import { lstat, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** For each destination, the path components the runtime will have to create (shallowest first). */
export async function findMissingMountPoints(rootfs: string, destinations: string[]): Promise<string[][]> {
  const missing: string[][] = [];
  for (const destination of destinations) {
    const parts = destination.split('/').filter(Boolean);
    for (let depth = 1; depth <= parts.length; depth++) {
      const path = `/${parts.slice(0, depth).join('/')}`;
      const stats = await lstat(join(rootfs, path)).catch(() => undefined);
      if (stats?.isSymbolicLink()) break; // the runtime resolves it inside the rootfs; not ours to tidy
      if (!stats) {
        const created = [path];
        for (let p = destination; p !== path && p !== '/'; p = dirname(p)) created.splice(1, 0, p);
        missing.push(created);
        break;
      }
    }
  }
  return missing;
}

/** Removes the stubs deepest first, stopping at anything non-empty. */
export async function removeMountStubs(rootfs: string, missing: string[][]): Promise<void> {
  for (const created of missing) {
    for (const path of [...created].reverse()) {
      const full = join(rootfs, path);
      const stats = await lstat(full).catch(() => undefined);
      if (!stats) continue;
      try {
        if (stats.isDirectory()) await rmdir(full);
        else if (stats.isFile() && stats.size === 0) await unlink(full);
        else break;
      } catch {
        break;
      }
    }
  }
}
