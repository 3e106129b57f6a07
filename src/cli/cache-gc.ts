// BuildKit's daemon collects its build cache in the background by default, so it never fills the disk
// unasked. Daemonless, a finished build starts `tsbuild builder prune --auto` as a detached process, at most
// once an hour per state root (a stamp file's mtime is when the last one started), and never on a root's
// first build: a fresh root has nothing to collect, and back-to-back builds of a new project (tests,
// benchmarks) are not slowed by it.
import { spawn } from 'node:child_process';
import { statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const collectEveryMs = 60 * 60 * 1000;

/** Whether a collection is due now for the stamp in `cacheDir`; when it is, the stamp is renewed (claimed). */
export function claimCacheCollection(cacheDir: string, now = Date.now()): boolean {
  const stamp = join(cacheDir, 'gc.stamp');
  const info = statSync(stamp, { throwIfNoEntry: false });
  if (info === undefined) {
    writeFileSync(stamp, '');
    return false;
  }
  if (now - info.mtimeMs < collectEveryMs) return false;
  const time = new Date(now);
  utimesSync(stamp, time, time);
  return true;
}

/** Starts `builder prune --auto` on `root` with this process's node and CLI, detached, its output discarded. */
export function startCacheCollection(root: string): void {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, '--root', root, 'builder', 'prune', '--auto'], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined); // a collection that cannot start is retried an hour later
  child.unref();
}
