// Reads an overlay upper dir as a change list: a 0/0 character device is a whiteout (delete), a dir
// with trusted.overlay.opaque=y replaces the lower dir (opaque), anything else was added or modified.
// Mounts are made with redirect_dir and metacopy off, so an upper entry always holds full content.
// https://docs.kernel.org/filesystems/overlayfs.html#whiteouts-and-opaque-directories
import { lstatSync, readdirSync, type BigIntStats, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Change } from './changes.js';
import { runCommand } from './command.js';
import { unescapeGetfattrName } from './xattr.js';

export async function readUpperChanges(upperDir: string, lowerDirs: string[]): Promise<Change[]> {
  const changes: Change[] = [];
  let opaqueDirs: Set<string> | undefined;
  const walk = async (rel: string): Promise<void> => {
    // Sync calls: one per upper entry and lower dir, and a thread-pool round trip costs more than each.
    const entries = readdirSync(join(upperDir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isCharacterDevice() && isWhiteout(lstatSync(join(upperDir, path)))) {
        changes.push({ kind: 'delete', path });
        continue;
      }
      const lower = lowerEntry(lowerDirs, path);
      const existed = lower !== undefined;
      if (entry.isDirectory()) {
        opaqueDirs ??= await readOpaqueDirs(upperDir);
        const opaque = opaqueDirs.has(path);
        // A dir copied up only because something below it changed, with its metadata intact, is no change.
        if (opaque || !lower?.isDirectory() || !sameDirMetadata(lower, lstatSync(join(upperDir, path), { bigint: true }))) {
          changes.push(opaque ? { kind: existed ? 'modify' : 'add', path, opaque } : { kind: existed ? 'modify' : 'add', path });
        }
        await walk(path);
      } else {
        changes.push({ kind: existed ? 'modify' : 'add', path });
      }
    }
  };
  await walk('');
  return changes.sort(byPath);
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

/** Every opaque dir under `upperDir` (relative paths), from one getfattr walk instead of one call per dir. */
async function readOpaqueDirs(upperDir: string): Promise<Set<string>> {
  // -h: a dangling symlink in the upper dir is not followed (getfattr fails on it otherwise).
  const { stdout } = await runCommand('getfattr', ['-R', '-P', '-h', '--absolute-names', '-d', '-m', '^trusted\\.overlay\\.opaque$', upperDir]);
  const opaque = new Set<string>();
  let file: string | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('# file: ')) file = unescapeGetfattrName(line.slice('# file: '.length));
    else if (file !== undefined && line === 'trusted.overlay.opaque="y"' && file.length > upperDir.length) {
      opaque.add(file.slice(upperDir.length + 1));
    }
  }
  return opaque;
}

