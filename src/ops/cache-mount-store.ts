// The `RUN --mount=type=cache` directories as build cache objects (BuildKit's exec.cachemount records):
// listed with their sizes for `system df`, and removed by `builder prune -a` when no build runs — only
// running builds use them, and every build holds a lease from its first step on (see build-cache.ts).
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { measureTree } from '../snapshot/file-content.js';

export interface CacheMountInfo {
  /** The directory's name: a hash of the cache id. */
  id: string;
  size: number;
  /** Epoch milliseconds of the directory's last change. */
  modifiedAt: number;
}

/** Cache mount directories under `dir` (their `.lock` siblings are not objects of their own). */
export async function listCacheMounts(dir: string): Promise<CacheMountInfo[]> {
  const mounts: CacheMountInfo[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.endsWith('.lock')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory()) continue;
    mounts.push({ id: name, size: (await measureTree(path).catch(() => ({ size: 0 }))).size, modifiedAt: info.mtimeMs });
  }
  return mounts;
}

/** Removes the cache mounts and their lock directories; the caller makes sure no build runs. */
export async function removeCacheMounts(dir: string, mounts: CacheMountInfo[]): Promise<void> {
  for (const mount of mounts) {
    await rm(join(dir, mount.id), { recursive: true, force: true });
    await rm(join(dir, `${mount.id}.lock`), { recursive: true, force: true });
  }
}
