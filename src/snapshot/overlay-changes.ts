// Reads an overlay upper dir as a change list: a 0/0 character device is a whiteout (delete), a dir
// with trusted.overlay.opaque=y replaces the lower dir (opaque), anything else was added or modified.
// Mounts are made with redirect_dir and metacopy off, so an upper entry always holds full content.
// https://docs.kernel.org/filesystems/overlayfs.html#whiteouts-and-opaque-directories
import { lstatSync, readdirSync, type BigIntStats, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Change } from './changes.js';
import { allXattrsOf, imageXattrsOf, type XattrsByPath } from './xattr.js';

/**
 * The upper dir's change list, and the image xattrs of its paths (keyed by absolute path): reading each
 * entry's attributes finds the opaque dirs, so the layer writer needs no reading of its own.
 */
export async function readUpperChanges(upperDir: string, lowerDirs: string[]): Promise<{ changes: Change[]; xattrs: XattrsByPath }> {
  const changes: Change[] = [];
  const xattrs: XattrsByPath = new Map();
  const root = resolve(upperDir);
  // `inLower`: whether the lower dirs hold `rel` as a directory; below a dir they lack, nothing can be
  // there either, so a new tree (a COPY of thousands of files) costs no lookups in the lower dirs.
  const walk = (rel: string, inLower: boolean): void => {
    // Sync calls: one per upper entry and lower dir, and a thread-pool round trip costs more than each.
    const entries = readdirSync(join(upperDir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isCharacterDevice() && isWhiteout(lstatSync(join(upperDir, path)))) {
        changes.push({ kind: 'delete', path });
        continue;
      }
      const absolute = join(root, path);
      const all = allXattrsOf(absolute);
      const kept = imageXattrsOf(all);
      if (kept.size > 0) xattrs.set(absolute, kept);
      const lower = inLower ? lowerEntry(lowerDirs, path) : undefined;
      const existed = lower !== undefined;
      if (entry.isDirectory()) {
        const opaque = all.get('trusted.overlay.opaque')?.toString('latin1') === 'y';
        // A dir copied up only because something below it changed, with its metadata intact, is no change.
        if (opaque || !lower?.isDirectory() || !sameDirMetadata(lower, lstatSync(join(upperDir, path), { bigint: true }))) {
          changes.push(opaque ? { kind: existed ? 'modify' : 'add', path, opaque } : { kind: existed ? 'modify' : 'add', path });
        }
        walk(path, lower?.isDirectory() ?? false);
      } else {
        changes.push({ kind: existed ? 'modify' : 'add', path });
      }
    }
  };
  walk('', true);
  return { changes: changes.sort(byPath), xattrs };
}

export function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function isWhiteout(stats: Stats | BigIntStats): boolean {
  return stats.isCharacterDevice() && Number(stats.rdev) === 0;
}

/** `path` as the stack of lower dirs (closest first) shows it; undefined when absent or whited out. */
function lowerEntry(lowerDirs: string[], path: string): BigIntStats | undefined {
  for (const lower of lowerDirs) {
    const stats = lstatIfAny(join(lower, path));
    if (stats) return isWhiteout(stats) ? undefined : stats;
  }
  return undefined;
}

/** Absent also when a parent is not a directory (ENOTDIR), which throwIfNoEntry does not cover. */
function lstatIfAny(path: string): BigIntStats | undefined {
  try {
    return lstatSync(path, { bigint: true });
  } catch {
    return undefined;
  }
}

function sameDirMetadata(a: BigIntStats, b: BigIntStats): boolean {
  return a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.mtimeNs === b.mtimeNs;
}
