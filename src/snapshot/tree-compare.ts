// The native snapshotter's change list: a side-by-side walk of the parent's tree and the child's
// (a full copy). An entry is modified when its type, mode, owner, size, mtime or link target differ;
// when the mtime has no sub-second part (a coarse clock could hide a rewrite) the bytes decide.
import type { BigIntStats } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Change } from './changes.js';
import { byPath } from './overlay-changes.js';
import { sameFileContent } from './file-content.js';

export async function compareTrees(parentDir: string | undefined, childDir: string): Promise<Change[]> {
  const changes: Change[] = [];
  const addAll = async (rel: string): Promise<void> => {
    for (const name of await readdir(join(childDir, rel))) {
      const path = rel === '' ? name : `${rel}/${name}`;
      changes.push({ kind: 'add', path });
      if ((await lstat(join(childDir, path))).isDirectory()) await addAll(path);
    }
  };
  const walk = async (rel: string): Promise<void> => {
    const before = new Set(parentDir === undefined ? [] : await readdir(join(parentDir, rel)));
    const after = await readdir(join(childDir, rel));
    for (const name of before) if (!after.includes(name)) changes.push({ kind: 'delete', path: rel === '' ? name : `${rel}/${name}` });
    for (const name of after) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const now = await lstat(join(childDir, path), { bigint: true });
      if (!before.has(name) || parentDir === undefined) {
        changes.push({ kind: 'add', path });
        if (now.isDirectory()) await addAll(path);
        continue;
      }
      const was = await lstat(join(parentDir, path), { bigint: true });
      if (await differs(was, now, join(parentDir, path), join(childDir, path))) changes.push({ kind: 'modify', path });
      if (now.isDirectory() && was.isDirectory()) await walk(path);
      else if (now.isDirectory()) await addAll(path);
    }
  };
  await walk('');
  return changes.sort(byPath);
}

async function differs(was: BigIntStats, now: BigIntStats, wasPath: string, nowPath: string): Promise<boolean> {
  if (was.mode !== now.mode || was.uid !== now.uid || was.gid !== now.gid) return true;
  if (now.isDirectory()) return was.mtimeNs !== now.mtimeNs;
  if (was.size !== now.size || was.rdev !== now.rdev) return true;
  if (now.isSymbolicLink()) return (await readlink(wasPath)) !== (await readlink(nowPath));
  if (was.mtimeNs !== now.mtimeNs) return true;
  return now.isFile() && now.mtimeNs % 1_000_000_000n === 0n && !(await sameFileContent(wasPath, nowPath));
}
