// The native addon (native/, built by node-gyp into build/Release/host.node) for the Linux calls Node has
// no API for: mount(2), umount2(2), syncfs(2), flock(2), extended attributes, a sandbox's network
// namespace (rtnetlink), page-aligned memory and starting processes without a fork of node — and for reading
// many files' bytes off node's thread. Calling them in-process instead of spawning mount(8),
// umount(8), sync(1), getfattr(1) or ip(8) spares node's main thread a fork of itself each time.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

interface HostAddon {
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null, cwd: string | null): Promise<void>;
  umount(target: string, detach: boolean): Promise<void>;
  syncfs(path: string): Promise<void>;
  /**
   * Reads bytes [places[3i+1], +places[3i+2]) of file `paths[i]` into `memory` at places[3i], on the thread
   * pool; a file shorter than its range rejects with code ENODATA.
   */
  readFiles(memory: Buffer, paths: string[], places: Float64Array): Promise<void>;
  /** Hard-links pairs[2i] at pairs[2i+1], on the thread pool; each link's errno (0: made) goes to results[i]. */
  linkFiles(pairs: string[], results: Int32Array): Promise<void>;
  /** /run/netns/<name> joined to `bridge` by the veth pair `veth`–eth0; eth0 holds address/prefixLength, default route via gateway; lo up. */
  createNetns(path: string, veth: string, bridge: string, address: string, prefixLength: number, gateway: string): Promise<void>;
  /**
   * Starts `argv` in a session of its own reading a socket whose other end (returned) stays open until this
   * process ends, however it ends; its output goes to /dev/null. Costs no fork of node.
   */
  spawnWatcher(argv: string[]): number;
  /**
   * Starts `argv` in our process group (see host/process.ts): stdio[i] is -1 (the null device), -2 (a
   * socket pair; our end comes back) or our fd. Answers [pid, fd0, fd1, fd2] (-1 where no pair was made);
   * onExit(code, signal) once it ended — both null if it was not ours to wait for.
   */
  spawnProcess(argv: string[], stdio: number[], onExit: (code: number | null, signal: number | null) => void): number[];
  /** An exclusive flock(2) on open file `fd`, without waiting: false while another open file holds it. */
  tryLock(fd: number): boolean;
  xattrs(path: string): [string, Buffer][];
  /** lstat(2) of each path, as rows of numbers (see lstat-rows.ts); throws for the first path that fails. */
  lstatMany(paths: string[]): Float64Array;
  setXattr(path: string, name: string, value: Buffer): void;
  /** A buffer of `bytes` starting on a page boundary, for O_DIRECT writes. */
  alignedBuffer(bytes: number): Buffer;
}

/** linux/mount.h */
export const mountFlags = { rdonly: 0x1, bind: 0x1000, rec: 0x4000 } as const;

let loaded: HostAddon | undefined;

/**
 * The addon, loaded on first use (commands that never mount do not pay for it). Both this file
 * (src/host/) and the bundle (dist/cli/) are two levels below the package root.
 */
export function hostAddon(): HostAddon {
  if (loaded === undefined) {
    const addon = fileURLToPath(new URL('../../build/Release/host.node', import.meta.url));
    try {
      loaded = createRequire(import.meta.url)(addon) as HostAddon;
    } catch (err) {
      throw new Error(`tsbuild's native addon ${addon} cannot be loaded (build it with \`npm run build\`): ${(err as Error).message}`, { cause: err });
    }
  }
  return loaded;
}
