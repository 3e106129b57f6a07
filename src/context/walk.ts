// The selected entries below one directory of the build context, in sorted path order, with their
// lstat (bigint, for the content-hash index). Symlinks inside the tree are entries, never followed.
import type { BigIntStats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
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
  await walkInto(entries, hostDir, paths, rules);
  return entries;
}

async function walkInto(entries: WalkedEntry[], hostDir: string, paths: EntryPaths, rules: SelectionRules): Promise<void> {
  const names = (await readdir(hostDir)).sort();
  // One directory's lstats at once: they are independent, and the thread pool overlaps them.
  const children = await Promise.all(
    names.map(async (name) => {
      const hostPath = join(hostDir, name);
      return { hostPath, paths: childPaths(paths, name), info: await lstat(hostPath, { bigint: true }) };
    }),
  );
  for (const child of children) {
    if (child.info.isDirectory()) {
      if (skipsDirectory(rules, child.paths)) continue;
      entries.push({ hostPath: child.hostPath, path: child.paths.contextPath, relative: child.paths.relative, info: child.info });
      await walkInto(entries, child.hostPath, child.paths, rules);
    } else if (!leavesOutFile(rules, child.paths)) {
      entries.push({ hostPath: child.hostPath, path: child.paths.contextPath, relative: child.paths.relative, info: child.info });
    }
  }
}
