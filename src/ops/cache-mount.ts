// RUN --mount=type=cache: persistent directories under the state root, one per cache id (the target
// path when no id is given), created with the mount's uid/gid/mode the first time (and filled from the
// mount's `from=`, when it has one, before anyone sees it). sharing=shared lets
// concurrent steps use one directory, locked serialises them, private gives a busy cache's second user
// a throwaway directory. Cache contents are never part of a cache key or a layer.
import { chmod, chown, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LockHeldError, lockState } from '../snapshot/state-lock.js';
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

/** Puts the first content into a new, empty cache directory (BuildKit's cache mount `from=`). */
export type CacheSeed = (dir: string) => Promise<void>;

/** Made and seeded aside, then renamed into place: a half-seeded cache is never seen. */
async function createDirectory(dir: string, tmpDir: string, spec: CacheMountSpec, seed: CacheSeed | undefined): Promise<void> {
  const existed = await stat(dir).then(() => true, () => false);
  if (existed) return;
  const staging = join(tmpDir, uniqueKey('cache-new'));
  try {
    await mkdir(staging, { recursive: true });
    await chown(staging, spec.uid, spec.gid);
    await chmod(staging, spec.mode);
    if (seed) await seed(staging);
    await mkdir(dirname(dir), { recursive: true });
    // Another step may have made it meanwhile: theirs stays.
    await rename(staging, dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Gives the directory for `spec`. `fresh` (--no-cache) hands out an empty throwaway directory, so the
 * persistent one is neither seen nor changed, as BuildKit does under no-cache.
 */
export async function acquireCacheMount(cacheRoot: string, tmpDir: string, spec: CacheMountSpec, fresh: boolean, seed?: CacheSeed): Promise<CacheMountLease> {
  const throwaway = async (): Promise<CacheMountLease> => {
    const dir = join(tmpDir, uniqueKey('cache'));
    await createDirectory(dir, tmpDir, spec, seed);
    return { dir, release: () => rm(dir, { recursive: true, force: true }) };
  };
  if (fresh) return throwaway();
  const dir = join(cacheRoot, directoryName(spec.id));
  await createDirectory(dir, tmpDir, spec, seed);
  if (spec.sharing === 'shared') return { dir, release: async () => undefined };
  const lockfile = `${dir}.lock`;
  if (spec.sharing === 'private') {
    try {
      return { dir, release: await lockState(lockfile, { retries: 0, minTimeout: 0, maxTimeout: 0 }) };
    } catch (err) {
      if (!(err instanceof LockHeldError)) throw err;
      return throwaway();
    }
  }
  return { dir, release: await lockState(lockfile, { forever: true, minTimeout: 50, maxTimeout: 500 }) };
}
