// Paths inside a root filesystem seen from the host: resolve `/a/b` under a rootfs directory
// following symlinks as the container would (absolute targets are relative to the rootfs, `..`
// never climbs above it), so copies and lookups cannot escape onto the host. Sync calls: a few per path,
// each cheaper than a thread-pool round trip.
import { lstatSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';

const maxLinkHops = 255; // Linux gives up after 40 per lookup; we are more lenient but still finite.

/**
 * Host path for in-root `path`. Every component but the last is resolved through symlinks; the last
 * too unless `followLast` is false. Missing components are kept as written (the result may not exist).
 */
export async function resolveInRoot(root: string, path: string, followLast = true): Promise<string> {
  const pending = posix.normalize(`/${path}`).split('/').filter((c) => c !== '');
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (name === '.') continue;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    const hostPath = join(root, ...resolved, name);
    const isLast = pending.length === 0;
    let info;
    try {
      info = lstatSync(hostPath);
    } catch {
      resolved.push(name, ...pending);
      return join(root, ...resolved);
    }
    if (info.isSymbolicLink() && (!isLast || followLast)) {
      if (++hops > maxLinkHops) throw Object.assign(new Error(`too many levels of symbolic links: ${path}`), { code: 'ELOOP' });
      const target = readlinkSync(hostPath);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/').filter((c) => c !== ''));
      continue;
    }
    resolved.push(name);
  }
  return join(root, ...resolved);
}
