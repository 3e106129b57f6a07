// runc creates a missing mount point (e.g. /etc/hostname, /dev/shm in a bare rootfs) inside the rootfs,
// which would leak into the step's changes. We note which mount points did not exist before the run and
// take away the empty stubs afterwards — never anything a process put there — and, when the folder they
// were made in holds the same names as before, put back its times so it does not show up as changed.
// Sync calls: a few stats per sandbox, on its start-up path, where each thread-pool round trip costs
// more than the call.
import { lstatSync, readdirSync, rmdirSync, unlinkSync, utimesSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';

export interface MountStub {
  /** Paths the runtime will create, shallowest first. */
  created: string[];
  /** The existing folder they are created in, with its times and entries before the run. */
  parent: { path: string; atime: Date; mtime: Date; entries: string[] };
}

/** For each destination that does not exist yet, what the runtime will have to create. */
export function findMissingMountPoints(rootfs: string, destinations: string[]): MountStub[] {
  return destinations.map((destination) => missingPartOf(rootfs, destination)).filter((stub) => stub !== undefined);
}

function lstatIfAny(path: string): Stats | undefined {
  return lstatSync(path, { throwIfNoEntry: false });
}

/** What the runtime will create for one destination: from its shallowest missing folder down. */
function missingPartOf(rootfs: string, destination: string): MountStub | undefined {
  const parts = destination.split('/').filter(Boolean);
  for (let depth = 1; depth <= parts.length; depth++) {
    const path = `/${parts.slice(0, depth).join('/')}`;
    const stats = lstatIfAny(join(rootfs, path));
    if (stats?.isSymbolicLink()) return undefined; // the runtime resolves it inside the rootfs; not ours to tidy
    if (!stats) {
      const created = [path];
      for (let p = destination; p !== path && p !== '/'; p = dirname(p)) created.splice(1, 0, p);
      const parent = join(rootfs, dirname(path));
      const parentStats = lstatSync(parent);
      const entries = readdirSync(parent).sort();
      return { created, parent: { path: parent, atime: parentStats.atime, mtime: parentStats.mtime, entries } };
    }
  }
  return undefined;
}

/** Removes the stubs deepest first, stopping at anything non-empty, then restores the parents' times. */
export function removeMountStubs(rootfs: string, missing: MountStub[]): void {
  for (const { created } of missing) removeStub(rootfs, created);
  // Several stubs often share one parent (/etc for hosts, hostname, resolv.conf): restore it once.
  const parents = new Map(missing.map(({ parent }) => [parent.path, parent]));
  for (const parent of parents.values()) {
    try {
      if (readdirSync(parent.path).sort().join('\0') === parent.entries.join('\0')) utimesSync(parent.path, parent.atime, parent.mtime);
    } catch {
      // the folder went away with the run: nothing to restore
    }
  }
}

function removeStub(rootfs: string, created: string[]): void {
  for (const path of [...created].reverse()) {
    const full = join(rootfs, path);
    const stats = lstatIfAny(full);
    if (!stats) continue;
    try {
      if (stats.isDirectory()) rmdirSync(full);
      else if (stats.isFile() && stats.size === 0) unlinkSync(full);
      else return;
    } catch {
      return;
    }
  }
}
