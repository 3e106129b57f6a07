// The Executor interface: run one process in a sandbox (a real OCI runtime in production) and
// report how it ended. Build steps (RUN) and containers (`tsbuild run`) both go through it.
import type { Readable, Writable } from 'node:stream';
import type { Mount } from '../snapshot/snapshotter.js';
import type { Rlimit } from './rlimits.js';

export interface ProcessSpec {
  args: string[];
  /** KEY=value entries, in order; later entries win. */
  env: string[];
  /** Absolute path inside the rootfs. */
  cwd: string;
  /** As Docker takes it: `name`, `uid`, `name:group`, `uid:gid`; resolved from the rootfs' /etc/passwd and /etc/group. */
  user: string;
  tty: boolean;
  /** --group-add: more supplementary groups, names (from the rootfs' /etc/group) or numbers. */
  groupAdd?: string[];
  /** Resource limits; each is clamped to tsbuild's own hard limit. Absent: the process inherits tsbuild's. */
  rlimits?: Rlimit[];
}

/** An extra mount inside the sandbox (bind from the host, tmpfs, …). */
export interface SandboxMount {
  destination: string;
  type: 'bind' | 'tmpfs';
  source: string;
  options: string[];
}

export type NetworkMode = 'none' | 'host' | 'bridge';

/** Docker's --ipc modes, but joining another container's: private/shareable (own namespace, /dev/shm), host, none (no /dev/shm). */
export type IpcMode = 'private' | 'shareable' | 'host' | 'none';

/** --dns, --dns-search, --dns-option: each given list replaces the host's in /etc/resolv.conf. */
export interface DnsSettings {
  servers: string[];
  search: string[];
  options: string[];
}

export interface SandboxSpec {
  /** Unique id: runtime container id, cgroup and network names derive from it. */
  id: string;
  process: ProcessSpec;
  /** Mounts that make the root filesystem (from the snapshotter). */
  rootfs: Mount[];
  readonlyRootfs: boolean;
  mounts: SandboxMount[];
  hostname: string;
  network: NetworkMode;
  extraHosts: { host: string; ip: string }[];
  dns?: DnsSettings;
  /** Default private. */
  ipc?: IpcMode;
  /** Size of /dev/shm; default 64 MiB. */
  shmBytes?: number;
  /**
   * Whose conventions where Docker's containers and BuildKit's build steps differ (default docker):
   * - /etc/hosts: Docker's is the host's file under --network host; BuildKit's is always generated, with
   *   the hostname on the loopback line.
   * - /etc/hosts, /etc/hostname, /etc/resolv.conf: a build step's are read-only; a container's are its own
   *   to edit (read-only only under readonlyRootfs).
   */
  conventions?: 'docker' | 'buildkit';
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  limits: { memoryBytes?: number; pidsLimit?: number; cpuQuota?: number };
}

export interface SandboxIO {
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Aborting kills every process of the sandbox. */
  signal?: AbortSignal;
  /**
   * The caller's own terminal (file descriptors), for a process with a tty: the runtime then sizes the
   * container's pty from it, follows its resizes and sets it raw, as `docker run -t` does. The streams
   * above are not used then. Without `stdin` the container reads nothing from the terminal (`-t` without `-i`).
   */
  terminal?: { stdin?: number; stdout: number; stderr: number };
}

export interface ExecResult {
  /** The process's exit code; 128+n when it was killed by signal n. */
  exitCode: number;
  signal: NodeJS.Signals | undefined;
  oomKilled: boolean;
}

/**
 * What an executor began for a sandbox before its spec was complete (its network namespace, for runc),
 * so that the work overlaps the caller's own (creating the container's record and rootfs).
 */
export interface SandboxHeadStart {
  readonly id: string;
  readonly network: NetworkMode;
  /** Undoes it, for a sandbox that will not run after all. */
  abandon(): Promise<void>;
}

export interface Executor {
  /** Runs the sandbox; a head start (from prepare, same id and network) is taken over and undone with the rest. */
  run(spec: SandboxSpec, io: SandboxIO, headStart?: SandboxHeadStart): Promise<ExecResult>;
  /** Begins the set-up of sandbox `id`; executors without one simply do everything in run(). */
  prepare?(id: string, network: NetworkMode): SandboxHeadStart;
}

/** How a run ended, as a fact for messages: "exit code 3", "killed by SIGKILL (out of memory)". */
export function describeExit(result: ExecResult): string {
  if (result.signal === undefined) return `exit code ${result.exitCode}`;
  return `killed by ${result.signal}${result.oomKilled ? ' (out of memory)' : ''}`;
}
