// Mounts a snapshot's Mount[] at a target directory and takes it down again, with mount(2) and umount2(2)
// through the native addon. Overlay option strings longer than the kernel's one-page limit are shortened
// by making the layer paths relative to their common directory, which the mount call is made from (the
// kernel resolves relative lowerdirs against the caller's cwd). A `volatile` overlay's work dir keeps a
// dirty mark after its unmount that makes the kernel refuse to mount it again; the mark is cleared first
// (see overlay.ts volatileMounts).
import { rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostAddon, mountFlags } from '../host/addon.js';
import type { Mount } from './snapshotter.js';

/** mount(2) copies at most one page of option data, including the trailing NUL. */
const maxMountData = 4095;
const pathOptions = ['lowerdir', 'upperdir', 'workdir'];

export async function mountAll(mounts: Mount[], target: string): Promise<void> {
  for (const mount of mounts) {
    clearVolatileMark(mount);
    const { options, cwd } = fitOptions(mount);
    const { flags, data } = splitFlags(options);
    await hostAddon().mount(mount.source, target, mount.type === 'bind' ? null : mount.type, flags, data, cwd ?? null);
  }
}

/** mount(8)'s flag words as mount(2) flags; the other options are the filesystem's data string. */
function splitFlags(options: string[]): { flags: number; data: string | null } {
  let flags = 0;
  const data: string[] = [];
  for (const option of options) {
    if (option === 'bind') flags |= mountFlags.bind;
    else if (option === 'rbind') flags |= mountFlags.bind | mountFlags.rec;
    else if (option === 'ro') flags |= mountFlags.rdonly;
    else if (option !== 'rw') data.push(option);
  }
  return { flags, data: data.length > 0 ? data.join(',') : null };
}

/**
 * Unmounts `target`; retries while busy, then detaches it lazily (which also takes down anything
 * mounted below it). A target that is not (or no longer) a mount point is done.
 */
export async function unmount(target: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await hostAddon().umount(target, false);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EINVAL' || code === 'ENOENT') return;
      if (code === 'EBUSY' && attempt < 5) {
        await sleep(20 * (attempt + 1));
        continue;
      }
      await hostAddon().umount(target, true);
      return;
    }
  }
}

/**
 * The kernel's mark on a volatile work dir (<workdir>/work/incompat/volatile) says the upper dir may have
 * missed its sync. Our mounts of a snapshot never overlap and each one ends in an unmount, so the mark only
 * repeats what `volatile` chose; after a host crash a writable snapshot is as unsynced as a crashed
 * Docker container's (its build or container is gone, and prune removes build leftovers).
 */
function clearVolatileMark(mount: Mount): void {
  if (mount.type !== 'overlay' || !mount.options.includes('volatile')) return;
  const workdir = mount.options.find((option) => option.startsWith('workdir='))?.slice('workdir='.length);
  // Sync: usually there is nothing to remove, and a thread-pool round trip costs more than finding that out.
  if (workdir !== undefined) rmSync(join(workdir, 'work', 'incompat', 'volatile'), { recursive: true, force: true });
}

/** The option list to pass, and a cwd when the layer paths had to be made relative to fit. */
function fitOptions(mount: Mount): { options: string[]; cwd?: string } {
  if (mount.type !== 'overlay' || mount.options.join(',').length <= maxMountData) return { options: mount.options };
  const paths = mount.options.flatMap((option) => {
    const [key, value] = splitOption(option);
    return pathOptions.includes(key) && value !== undefined ? value.split(':') : [];
  });
  const cwd = commonDirectory(paths);
  const options = mount.options.map((option) => {
    const [key, value] = splitOption(option);
    if (!pathOptions.includes(key) || value === undefined) return option;
    return `${key}=${value.split(':').map((path) => relative(cwd, path)).join(':')}`;
  });
  if (options.join(',').length > maxMountData) {
    throw new Error(`overlay mount options are ${options.join(',').length} bytes even with relative paths (limit ${maxMountData})`);
  }
  return { options, cwd };
}

function splitOption(option: string): [string, string | undefined] {
  const at = option.indexOf('=');
  return at < 0 ? [option, undefined] : [option.slice(0, at), option.slice(at + 1)];
}

function commonDirectory(paths: string[]): string {
  let common = dirname(paths[0] ?? '/');
  while (!paths.every((path) => path === common || path.startsWith(common.endsWith(sep) ? common : common + sep))) {
    common = dirname(common);
  }
  return common;
}

/**
 * Flushes the filesystem holding `path` (syncfs(2)). Volatile overlays skip that flush at every unmount;
 * a build pays it once, before it tags, so what a tag names is on disk.
 */
export async function syncFilesystem(path: string): Promise<void> {
  await hostAddon().syncfs(path);
}
