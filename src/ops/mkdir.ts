// WORKDIR's filesystem half: `mkdir -p` of the working directory, 0755 and owned by the current USER
// (existing directories keep their owner), as a layer of its own like BuildKit's Mkdir FileOp.
import { chown, lstat, lutimes, mkdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { UserError } from '../errors.js';
import { changeState, type FsDeps, type FsState } from './fs-state.js';
import { resolveOwner } from './owner.js';
import { resolveInRoot } from './root-path.js';

export interface MkdirSpec {
  path: string;
  /** The USER in force ('' = root). */
  user: string;
}

export async function mkdirStep(deps: FsDeps, parent: FsState, spec: MkdirSpec): Promise<FsState> {
  return changeState(deps, parent, 'mkdir', async (rootDir) => {
    const owner = spec.user === '' ? { uid: 0, gid: 0 } : await resolveOwner(spec.user, rootDir);
    const created: string[] = [];
    let current = '/';
    for (const component of spec.path.split('/').filter((c) => c !== '')) {
      current = posix.join(current, component);
      const host = await resolveInRoot(rootDir, current);
      const existing = await lstat(host).catch(() => undefined);
      if (existing?.isDirectory()) continue;
      if (existing) throw new UserError(`cannot create directory ${spec.path}: ${current} exists and is not a directory`);
      await mkdir(host, { mode: 0o755 });
      await chown(host, owner.uid, owner.gid);
      created.push(host);
    }
    const time = new Date(deps.sourceDateEpoch * 1000);
    for (const host of created.reverse()) await lutimes(host, time, time);
  });
}
