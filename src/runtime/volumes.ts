// Extra mounts of a container: `-v HOSTDIR:DIR[:ro]` bind mounts (host path must exist) and `--tmpfs DIR[:opts]`.
// Named volumes are not supported yet; a non-absolute source is refused with a message that says so.
import { stat } from 'node:fs/promises';
import { isAbsolute, posix } from 'node:path';
import { UserError } from '../errors.js';
import type { SandboxMount } from '../executor/executor.js';

/** "/data/" and "/a//b" name the same target as "/data" and "/a/b". */
function cleanTarget(path: string): string {
  return posix.normalize(path).replace(/(.)\/+$/, '$1');
}

const bindModes = new Set(['ro', 'rw', 'z', 'Z', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);

/** Parses one -v value and checks the host path exists (Docker's --mount message when it does not). */
export async function parseVolume(spec: string): Promise<SandboxMount> {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) throw new UserError(`invalid volume specification: '${spec}'`);
  const [source, destination, mode = ''] = parts as [string, string, string?];
  if (!isAbsolute(source)) throw new UserError(`invalid volume specification: '${spec}': named volumes are not supported, give an absolute host path`);
  if (!posix.isAbsolute(destination)) throw new UserError(`invalid volume specification: '${spec}': mount path must be absolute`);
  if (destination === '/') throw new UserError(`invalid volume specification: '${spec}': invalid mount config: destination can't be '/'`);
  const modes = mode === '' ? [] : mode.split(',');
  for (const m of modes) if (!bindModes.has(m)) throw new UserError(`invalid mode: ${m}`);
  try {
    await stat(source);
  } catch {
    throw new UserError(`invalid mount config for type "bind": bind source path does not exist: ${source}`);
  }
  return { type: 'bind', source, destination: cleanTarget(destination), options: ['rbind', modes.includes('ro') ? 'ro' : 'rw'] };
}

/** `--tmpfs DIR[:opts]`; Docker's defaults are noexec,nosuid,nodev with the caller's options appended. */
export function parseTmpfs(spec: string): SandboxMount {
  const colon = spec.indexOf(':');
  const destination = colon < 0 ? spec : spec.slice(0, colon);
  const extra = colon < 0 ? [] : spec.slice(colon + 1).split(',').filter((o) => o !== '');
  if (!posix.isAbsolute(destination)) throw new UserError(`invalid tmpfs specification: '${spec}': mount path must be absolute`);
  return { type: 'tmpfs', source: 'tmpfs', destination: cleanTarget(destination), options: ['noexec', 'nosuid', 'nodev', ...extra] };
}

/** Docker's RAMInBytes: a number with an optional b/k/m/g/t/p unit (binary multiples, optional trailing "b"). */
export function parseBytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)b?$/i.exec(text.trim());
  if (!match) throw new UserError(`invalid size: '${text}'`);
  const power = ['', 'k', 'm', 'g', 't', 'p'].indexOf((match[2] ?? '').toLowerCase());
  return Math.floor(Number(match[1]) * 1024 ** power);
}
