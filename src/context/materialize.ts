// A directory of the build context as a RUN bind mount sees it: only the entries .dockerignore selects
// (BuildKit hides ignored files from binds as from COPY). Read-only binds get a tree of hard links (cheap,
// and the read-only mount keeps writes off the shared inodes); read-write binds, or a context on another
// filesystem, get copies, so nothing a step writes reaches the context.
import { chmodSync, copyFileSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TurnTaker } from '../event-loop.js';
import type { ContextStat } from './context-stat.js';
import type { SelectionRules } from './selection.js';
import { walkSelected } from './walk.js';

export type MaterializeMode = 'link' | 'copy';

/** Fills the new directory `dest` with the selected entries below `hostDir` (context path `contextPath`). */
export async function materializeSelection(hostDir: string, contextPath: string, rules: SelectionRules, dest: string, mode: MaterializeMode): Promise<void> {
  const entries = await walkSelected(hostDir, { contextPath, relative: '' }, rules);
  mkdirSync(dest, { mode: 0o755 });
  const directories: { path: string; info: ContextStat }[] = [{ path: dest, info: lstatSync(hostDir, { bigint: true }) }];
  let linking = mode === 'link';
  // Sync calls, one entry after another (see ../event-loop.ts).
  const turns = new TurnTaker();
  for (const entry of entries) {
    await turns.turn();
    const target = join(dest, entry.relative);
    if (entry.info.isDirectory()) {
      mkdirSync(target);
      directories.push({ path: target, info: entry.info });
    } else if (entry.info.isSymbolicLink()) {
      symlinkSync(readlinkSync(entry.hostPath), target);
      keepMetadata(target, entry.info, false);
    } else if (entry.info.isFile()) {
      if (linking) linking = tryLink(entry.hostPath, target);
      if (!linking) {
        copyFileSync(entry.hostPath, target);
        keepMetadata(target, entry.info, true);
      }
    }
    // Sockets, fifos and devices in a context are not something a build reads: left out, as COPY does.
  }
  // Directory times last, children first: creating entries inside a directory moves its mtime.
  for (const directory of directories.reverse()) keepMetadata(directory.path, directory.info, true);
}

/** Hard-links `source` at `target`; false when they are on different filesystems (then copies are made). */
function tryLink(source: string, target: string): boolean {
  try {
    linkSync(source, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EXDEV') return false;
    throw err;
  }
}

/** Owner, permission bits and times of the original (a RUN bind shows the host's, as a plain bind would). */
function keepMetadata(path: string, info: ContextStat, withMode: boolean): void {
  lchownSync(path, Number(info.uid), Number(info.gid));
  if (withMode) chmodSync(path, Number(info.mode & 0o7777n));
  lutimesSync(path, Number(info.atimeMs) / 1000, Number(info.mtimeMs) / 1000);
}
