// The cross-process lock around tsbuild's small state files (snapshot metadata, image and container
// records): proper-lockfile's mkdir lock, taken with sync calls when it is free. On this kind of VM each
// async fs call's thread-pool round trip costs 0.1–0.5 ms against a few µs sync, and an uncontended lock
// is the common case; only a held lock falls back to the async lock, whose retries wait without blocking.
import lockfile from 'proper-lockfile';

export interface StateLockOptions {
  /** The lock directory (an absolute path: no realpath is taken). */
  lockfilePath: string;
  /** Waits between retries while another process holds the lock (`forever` for locks held for long, as a prune's). */
  retries: { retries: number; minTimeout: number; maxTimeout: number } | { forever: true; minTimeout: number; maxTimeout: number };
  /** Age in ms after which a lock whose holder stopped refreshing it is taken over. */
  stale?: number;
}

/** Takes the lock on `dir`; resolves with its release. */
export async function lockState(dir: string, options: StateLockOptions): Promise<() => Promise<void>> {
  const common = { lockfilePath: options.lockfilePath, realpath: false, ...(options.stale === undefined ? {} : { stale: options.stale }) };
  try {
    const release = lockfile.lockSync(dir, common);
    return async () => release();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
  }
  return lockfile.lock(dir, { ...common, retries: options.retries });
}
