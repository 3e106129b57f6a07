// runc creates a missing mount point (e.g. /etc/hostname, /dev/shm in a bare rootfs) inside the rootfs,
// which would leak into the step's changes. We note which mount points did not exist before the run and
// take away the empty stubs afterwards — never anything a process put there — and, when the folder they
// were made in holds the same names as before, put back its times so it does not show up as changed.
import { lstat, readdir, rmdir, unlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface MountStub {
  /** Paths the runtime will create, shallowest first. */
  created: string[];
  /** The existing folder they are created in, with its times and entries before the run. */
  parent: { path: string; atime: Date; mtime: Date; entries: string[] };
}

/** For each destination that does not exist yet, what the runtime will have to create. */
export async function findMissingMountPoints(rootfs: string, destinations: string[]): Promise<MountStub[]> {
  const found = await Promise.all(destinations.map((destination) => missingPartOf(rootfs, destination)));
  return found.filter((stub) => stub !== undefined);
}

/** What the runtime will create for one destination: from its shallowest missing folder down. */
async function missingPartOf(rootfs: string, destination: string): Promise<MountStub | undefined> {
  const parts = destination.split('/').filter(Boolean);
  for (let depth = 1; depth <= parts.length; depth++) {
    const path = `/${parts.slice(0, depth).join('/')}`;
    const stats = await lstat(join(rootfs, path)).catch(() => undefined);
    if (stats?.isSymbolicLink()) return undefined; // the runtime resolves it inside the rootfs; not ours to tidy
    if (!stats) {
      const created = [path];
      for (let p = destination; p !== path && p !== '/'; p = dirname(p)) created.splice(1, 0, p);
      const parent = join(rootfs, dirname(path));
      const parentStats = await lstat(parent);
      const entries = (await readdir(parent)).sort();
      return { created, parent: { path: parent, atime: parentStats.atime, mtime: parentStats.mtime, entries } };
    }
  }
  return undefined;
}

/** Removes the stubs deepest first, stopping at anything non-empty, then restores the parents' times. */
export async function removeMountStubs(rootfs: string, missing: MountStub[]): Promise<void> {
  await Promise.all(missing.map(({ created }) => removeStub(rootfs, created)));
  // Several stubs often share one parent (/etc for hosts, hostname, resolv.conf): restore it once.
  const parents = new Map(missing.map(({ parent }) => [parent.path, parent]));
  await Promise.all(
    [...parents.values()].map(async (parent) => {
      const entries = (await readdir(parent.path).catch(() => [])).sort();
      if (entries.join('\0') === parent.entries.join('\0')) await utimes(parent.path, parent.atime, parent.mtime).catch(() => {});
    }),
  );
}

async function removeStub(rootfs: string, created: string[]): Promise<void> {
  for (const path of [...created].reverse()) {
    const full = join(rootfs, path);
    const stats = await lstat(full).catch(() => undefined);
    if (!stats) continue;
    try {
      if (stats.isDirectory()) await rmdir(full);
      else if (stats.isFile() && stats.size === 0) await unlink(full);
      else return;
    } catch {
      return;
    }
  }
}
