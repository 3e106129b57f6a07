// RUN --mount=type=cache: persistent directories under the state root, one per cache id (the target
// path when no id is given), created with the mount's uid/gid/mode the first time. sharing=shared lets
// concurrent steps use one directory, locked serialises them, private gives a busy cache's second user
// a throwaway directory. Cache contents are never part of a cache key or a layer.
import { chmod, chown, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { sha256Of } from '../../cache/index.js';
import { uniqueKey } from './fs-state.js';

export interface CacheMountSpec {
  id: string;
  sharing: 'shared' | 'private' | 'locked';
  uid: number;
  gid: number;
  mode: number;
}

export interface CacheMountLease {
  dir: string;
  release(): Promise<void>;
}

/** A cache id as a directory name: hashed, so any id text is a safe name. */
function directoryName(id: string): string {
  return sha256Of(id).slice('sha256:'.length, 'sha256:'.length + 32);
}

async function createDirectory(dir: string, spec: CacheMountSpec): Promise<void> {
  const existed = await stat(dir).then(() => true, () => false);
  if (existed) return;
  await mkdir(dir, { recursive: true });
  await chown(dir, spec.uid, spec.gid);
  await chmod(dir, spec.mode);
}

/**
 * Gives the directory for `spec`. `fresh` (--no-cache) hands out an empty throwaway directory, so the
 * persistent one is neither seen nor changed, as BuildKit does under no-cache.
 */
export async function acquireCacheMount(cacheRoot: string, tmpDir: string, spec: CacheMountSpec, fresh: boolean): Promise<CacheMountLease> {
  const throwaway = async (): Promise<CacheMountLease> => {
    const dir = join(tmpDir, uniqueKey('cache'));
    await createDirectory(dir, spec);
    return { dir, release: () => rm(dir, { recursive: true, force: true }) };
  };
  if (fresh) return throwaway();
  const dir = join(cacheRoot, directoryName(spec.id));
  await createDirectory(dir, spec);
  if (spec.sharing === 'shared') return { dir, release: async () => undefined };
  const lockOptions = { lockfilePath: `${dir}.lock`, stale: 60_000, update: 10_000 };
  if (spec.sharing === 'private') {
    try {
      const unlock = await lockfile.lock(dir, lockOptions);
      return { dir, release: unlock };
    } catch {
      return throwaway();
    }
  }
  const unlock = await lockfile.lock(dir, { ...lockOptions, retries: { forever: true, minTimeout: 50, maxTimeout: 500 } });
  return { dir, release: unlock };
}
