// Rootfs listings for golden tests: one line per entry, `path type mode uid:gid size sha256[:16] link`,
// sorted by path — the facts an image's filesystem is judged by (never mtimes).
import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';

async function describe(root: string, path: string): Promise<string | undefined> {
  const host = join(root, path);
  const info = await lstat(host).catch(() => undefined);
  if (!info) return undefined;
  const mode = (info.mode & 0o7777).toString(8).padStart(4, '0');
  const owner = `${info.uid}:${info.gid}`;
  if (info.isDirectory()) return `${path} dir ${mode} ${owner} - - -`;
  if (info.isSymbolicLink()) return `${path} symlink 0777 ${owner} - - ${await readlink(host)}`;
  if (info.isFile()) {
    const hash = createHash('sha256').update(await readFile(host)).digest('hex').slice(0, 16);
    return `${path} file ${mode} ${owner} ${info.size} ${hash} -`;
  }
  return `${path} other ${mode} ${owner} - - -`;
}

async function walk(root: string, path: string, out: string[]): Promise<void> {
  const line = await describe(root, path);
  if (line === undefined) return;
  out.push(line);
  if (!line.startsWith(`${path} dir `)) return;
  for (const name of (await readdir(join(root, path))).sort()) await walk(root, posix.join(path, name), out);
}

/** Lines for every entry under each of `scope` (default: the whole tree, without `/` itself). */
export async function listRootfs(root: string, scope: string[] = ['/']): Promise<string[]> {
  const out: string[] = [];
  for (const path of scope) {
    if (path === '/') {
      for (const name of (await readdir(root)).sort()) await walk(root, `/${name}`, out);
    } else await walk(root, path, out);
  }
  const pathOf = (line: string): string => line.slice(0, line.indexOf(' '));
  return out.sort((a, b) => (pathOf(a) < pathOf(b) ? -1 : pathOf(a) > pathOf(b) ? 1 : 0));
}
