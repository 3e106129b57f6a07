// The cross-process lock around tsbuild's shared state (snapshot metadata, image and container records,
// the build cache, cache mounts, the network bridge): flock(2) on a lock file, through the native addon.
// The kernel drops the lock when its holder's file is closed — also when the process dies — so there are
// no stale locks to detect and no timers keeping a lock fresh, and taking a free lock costs two syscalls.
// Every acquisition opens the file anew: two holders in one process exclude each other as two processes do.
import { closeSync, openSync, rmdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostAddon } from '../host/addon.js';

/** How long to wait for a held lock: a number of retries (0: fail at once), or forever. */
export type LockWait = { retries: number; minTimeout: number; maxTimeout: number } | { forever: true; minTimeout: number; maxTimeout: number };

/** The lock was held elsewhere for as long as the caller was willing to wait. */
export class LockHeldError extends Error {
  readonly code = 'ELOCKED';
  constructor(lockfile: string) {
    super(`${lockfile} is locked by another tsbuild process`);
  }
}

/** Takes the lock of `lockfile` (created when missing); resolves with its release. */
export async function lockState(lockfile: string, wait: LockWait): Promise<() => Promise<void>> {
  for (let attempt = 0; ; attempt++) {
    const fd = openLockFile(lockfile);
    let taken = false;
    try {
      taken = hostAddon().tryLock(fd);
    } finally {
      if (!taken) closeSync(fd);
    }
    if (taken) {
      return async () => closeSync(fd);
    }
    if (!('forever' in wait) && attempt >= wait.retries) throw new LockHeldError(lockfile);
    await sleep(Math.min(wait.maxTimeout, wait.minTimeout * 2 ** attempt));
  }
}

function openLockFile(lockfile: string): number {
  try {
    return openSync(lockfile, 'a', 0o600);
  } catch (err) {
    // Earlier versions locked by making a directory of this name; one left behind by a killed process is empty.
    if ((err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
    rmdirSync(lockfile);
    return openSync(lockfile, 'a', 0o600);
  }
}
