// The selected entries below one directory of the build context, in sorted path order, with their
// lstat (bigint, for the content-hash index). Symlinks inside the tree are entries, never followed.
import type { BigIntStats } from 'node:fs';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { childPaths, leavesOutFile, skipsDirectory, type EntryPaths, type SelectionRules } from './selection.js';

export interface WalkedEntry {
  hostPath: string;
  /** Context-relative path, as key parts and messages name it. */
  path: string;
  /** Path below the walked directory (where a copy puts it). */
  relative: string;
  info: BigIntStats;
}

/**
 * Entries below `hostDir` (not the directory itself), parents before children. `paths` says where
 * `hostDir` is (context-relative, and '' relative to the copied source).
 */
export async function walkSelected(hostDir: string, paths: EntryPaths, rules: SelectionRules): Promise<WalkedEntry[]> {
  const entries: WalkedEntry[] = [];
  walkInto(entries, hostDir, paths, rules);
  return entries;
}

/**
 * Synchronous on purpose: a metadata-only walk of a cached context is thousands of lstats served from
 * the inode cache, ~4 µs each as a sync call against 8–13 µs through promises and the thread pool
 * (20,000 files: 75 ms against 150–270 ms), and a no-op build is mostly this walk.
 */
function walkInto(entries: WalkedEntry[], hostDir: string, paths: EntryPaths, rules: SelectionRules): void {
  const names = readdirSync(hostDir).sort();
  const children = names.map((name) => {
    const hostPath = join(hostDir, name);
    return { hostPath, paths: childPaths(paths, name), info: lstatSync(hostPath, { bigint: true }) };
  });
  for (const child of children) {
    if (child.info.isDirectory()) {
      if (skipsDirectory(rules, child.paths)) continue;
      entries.push({ hostPath: child.hostPath, path: child.paths.contextPath, relative: child.paths.relative, info: child.info });
      walkInto(entries, child.hostPath, child.paths, rules);
    } else if (!leavesOutFile(rules, child.paths)) {
      entries.push({ hostPath: child.hostPath, path: child.paths.contextPath, relative: child.paths.relative, info: child.info });
    }
  }
}
