// The Executor on an OCI runtime binary (runc; crun where the host allows it). One run = one bundle
// under <state>/tmp/sandboxes/<id>: the snapshot mounted at rootfs/, generated /etc files, config.json;
// then `runc run` with the process's stdio passed straight through. Whatever happens — exit, abort,
// exception, or this node process being killed (its guard process takes over) — the container, mounts,
// network namespace, cgroups and bundle are removed afterwards.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import { statePaths } from '../config.js';
import { ConflictError, UserError } from '../errors.js';
import { startProcess, type ProcessEnd, type StartedProcess } from '../host/process.js';
import { mountAll } from '../snapshot/mount.js';
import { oomKillCount, sandboxCgroupDirs, sandboxCgroupsPath } from './cgroups.js';
import { CleanupPlan, ensureProcessGuard, shellQuote } from './cleanup-plan.js';
import { writeEtcFiles } from './etc-files.js';
import { RuntimeStderrFilter } from './runtime-stderr.js';
import type { ExecResult, Executor, NetworkMode, SandboxHeadStart, SandboxIO, SandboxSpec } from './executor.js';
import { findMissingMountPoints, removeMountStubs, type MountStub } from './mount-stubs.js';
import { NetworkManager, type SandboxNetwork } from './network.js';
import { buildOciSpec } from './oci-spec.js';
import { readHostRlimits } from './rlimits.js';
import { resolveUser } from './user.js';

export type OciRuntime = 'runc' | 'crun';

export interface RuncExecutorOptions {
  /** The state root (statePaths decides the folders). */
  root: string;
  runtime?: OciRuntime;
}

const validId = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Host-wide register of running sandboxes: <dir>/<id> holds the pid of the process running it and the
 * bundle dir (see ensureProcessGuard). Network namespaces and cgroups are host-wide too, so `system
 * check` asks here whether one is still in use.
 */
export const sandboxRegistry = '/run/tsbuild/sandboxes';

/** Where a RuncExecutor keeps its things under a state root (shared with `system check`). */
export function sandboxPaths(root: string): { runtimeRoot: string; sandboxes: string; network: string } {
  const paths = statePaths(root);
  return { runtimeRoot: paths.runtime, sandboxes: join(paths.tmp, 'sandboxes'), network: join(paths.tmp, 'network') };
}

/** A runc sandbox begun by prepare(): registered, its bundle dir and cleanup plan made, its network on the way. */
interface RuncHeadStart extends SandboxHeadStart {
  bundle: string;
  plan: CleanupPlan;
  /** The plan holds the registration, bundle, rootfs mount and cgroups. */
  planned: Promise<void>;
  allocated: Promise<SandboxNetwork>;
  connected: Promise<SandboxNetwork>;
}

function isRuncHeadStart(start: SandboxHeadStart): start is RuncHeadStart {
  return (start as RuncHeadStart).plan instanceof CleanupPlan;
}

export class RuncExecutor implements Executor {
  private readonly runtime: OciRuntime;
  private readonly paths: ReturnType<typeof sandboxPaths>;
  private readonly network: NetworkManager;

  constructor(options: RuncExecutorOptions) {
    this.runtime = options.runtime ?? 'runc';
    this.paths = sandboxPaths(options.root);
    this.network = new NetworkManager(this.paths.network);
  }

  /**
   * Registers sandbox `id` (so its guard cleans up if this process dies), makes its bundle dir and
   * cleanup plan, and starts its network namespace. run() takes it over; abandon() undoes it.
   */
  prepare(id: string, network: NetworkMode): RuncHeadStart {
    if (!validId.test(id)) throw new UserError(`invalid sandbox id ${JSON.stringify(id)}: use letters, digits, '_', '.', '-' (at most 64)`);
    const bundle = join(this.paths.sandboxes, id);
    const registration = join(sandboxRegistry, id);
    // Sync fs calls up to the first spawn: each is a few µs, and each thread-pool round trip put off the mount.
    mkdirSync(sandboxRegistry, { recursive: true });
    ensureProcessGuard(sandboxRegistry);
    try {
      writeFileSync(registration, `${process.pid}\n${bundle}\n`, { flag: 'wx' });
    } catch (err) {
      throw (err as NodeJS.ErrnoException).code === 'EEXIST' ? new ConflictError(`sandbox ${id} is already running`) : err;
    }
    mkdirSync(bundle, { recursive: true });
    const plan = new CleanupPlan(join(bundle, 'cleanup.sh'));
    const planned = sandboxCgroupDirs(id).then((cgroups) =>
      plan.add({ kind: 'remove', path: registration }, { kind: 'remove', path: bundle }, { kind: 'unmount', path: join(bundle, 'rootfs') }, { kind: 'rmdir', paths: cgroups }),
    );
    const allocated = planned.then(() => this.network.allocate(network, id, plan));
    const connected = allocated.then(async (sandboxNetwork) => {
      await this.network.connect(sandboxNetwork, id);
      return sandboxNetwork;
    });
    // Observed by run() or abandon(); until then a failure must not count as unhandled.
    connected.catch(() => undefined);
    return {
      id,
      network,
      bundle,
      plan,
      planned,
      allocated,
      connected,
      abandon: async () => {
        await Promise.allSettled([connected]);
        await plan.run();
      },
    };
  }

  async run(spec: SandboxSpec, io: SandboxIO, headStart?: SandboxHeadStart): Promise<ExecResult> {
    if (headStart !== undefined && (headStart.id !== spec.id || headStart.network !== spec.network || !isRuncHeadStart(headStart))) {
      throw new Error(`the head start of sandbox ${headStart.id} does not fit sandbox ${spec.id}`);
    }
    const { bundle, plan, planned, allocated, connected } = headStart ?? this.prepare(spec.id, spec.network);
    const rootfs = join(bundle, 'rootfs');
    let stubs: MountStub[] = [];
    try {
      await planned;
      mkdirSync(rootfs);
      const etcDir = join(bundle, 'etc');
      // The rootfs mount, the network namespace and the rest of the bundle are made at the same time.
      const [user, etcFiles, network] = await settleAll([
        mountAll(spec.rootfs, rootfs).then(() => resolveUser(rootfs, spec.process.user, spec.process.groupAdd)),
        allocated.then((network) => writeEtcFiles(etcDir, { hostname: spec.hostname, ip: network.ip, network: spec.network, extraHosts: spec.extraHosts, dns: spec.dns, style: spec.conventions ?? 'docker' })),
        connected,
      ] as const);
      const config = buildOciSpec(spec, { rootfsPath: rootfs, user, etcFiles, netnsPath: network.netnsPath, cgroupsPath: sandboxCgroupsPath(spec.id), hostRlimits: readHostRlimits() });
      stubs = findMissingMountPoints(rootfs, config.mounts.map((mount) => mount.destination));
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
      await plan.add({ kind: 'command', argv: [this.runtime, '--root', this.paths.runtimeRoot, 'delete', '-f', spec.id], onlyIfExists: join(this.paths.runtimeRoot, spec.id) });
      // Only a memory limit can make the cgroup OOM-kill; keeping the container (and its cgroup) costs a
      // `runc delete` afterwards, so it is done only then.
      const keep = spec.limits.memoryBytes !== undefined && this.runtime === 'runc';
      const exitCode = await this.runRuntime(spec.id, bundle, io, keep, spec.process.tty);
      const oomKilled = keep && exitCode === 128 + constants.signals.SIGKILL && (await oomKillCount(spec.id)) > 0;
      return { exitCode, signal: signalOf(exitCode), oomKilled };
    } finally {
      await Promise.allSettled([connected]);
      removeMountStubs(rootfs, stubs);
      await plan.run();
    }
  }

  /** `runc run` in the foreground (with --keep the cgroup stays until `runc delete`); resolves with the container process's exit code (128+n for signal n). */
  private runRuntime(id: string, bundle: string, io: SandboxIO, keep: boolean, tty: boolean): Promise<number> {
    const logPath = join(bundle, 'runtime.log');
    const args = ['--root', this.paths.runtimeRoot, '--log', logPath, '--log-format', 'json', 'run', ...(keep ? ['--keep'] : []), '--bundle', bundle, id];
    return new Promise<number>((resolve, reject) => {
      // With a terminal, `runc run` in the foreground needs a tty of its own (else it must hand a pty fd
      // over a console socket, which node cannot receive): the caller's terminal when there is one (runc
      // then copies its size, follows SIGWINCH and sets it raw), else one from script(1).
      const terminal = tty ? io.terminal : undefined;
      const viaScript = tty && !terminal;
      const [file, argv] = viaScript ? ['script', ['-q', '-e', '-c', [this.runtime, ...args].map(shellQuote).join(' '), '/dev/null']] : [this.runtime, args];
      // script(1) turns the end of its input into a VEOF byte typed into the pty, which the container would
      // read (and the pty echo as `^@` ahead of its output): without -i it gets a pipe that stays open.
      let child: StartedProcess;
      try {
        child = startProcess([file, ...argv], terminal ? [terminal.stdin ?? 'ignore', terminal.stdout, terminal.stderr] : [io.stdin || viaScript ? 'pipe' : 'ignore', 'pipe', 'pipe']);
      } catch (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        reject(missing ? new UserError(`${file === this.runtime ? 'OCI runtime ' : ''}${file} is not installed`, { cause: err }) : err);
        return;
      }
      if (io.stdin && child.stdin) {
        io.stdin.pipe(child.stdin);
        child.stdin.on('error', () => {}); // the process may exit without reading all of stdin
      }
      child.stdout?.pipe(io.stdout, { end: false });
      // runc's own fatal error arrives here and in its log: the log's copy is the one reported.
      const stderrFilter = new RuntimeStderrFilter(this.runtime);
      child.stderr?.pipe(stderrFilter).pipe(io.stderr, { end: false });
      let exited = false;
      const killAll = async (): Promise<void> => {
        // The container may not exist yet when the abort comes: keep trying until runc run returns.
        while (!exited) {
          await new Promise<void>((done) => {
            spawn(this.runtime, ['--root', this.paths.runtimeRoot, 'kill', '--all', id, 'KILL'], { stdio: 'ignore' }).on('close', () => done()).on('error', () => done());
          });
          await new Promise((done) => setTimeout(done, 50));
        }
      };
      const onAbort = (): void => void killAll();
      if (io.signal?.aborted) onAbort();
      else io.signal?.addEventListener('abort', onAbort, { once: true });
      const ended = (): void => {
        exited = true;
        io.signal?.removeEventListener('abort', onAbort);
      };
      const onClosed = ({ code, signal }: ProcessEnd): void => {
        ended();
        const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
        if (exitCode === 0) {
          stderrFilter.release([]);
          resolve(0);
          return;
        }
        void this.runtimeErrors(logPath).then((errors) => {
          stderrFilter.release(errors);
          // Aborted before the process started, runc complains that it is "already dead": it was killed.
          if (io.signal?.aborted) resolve(exitCode > 128 ? exitCode : 128 + constants.signals.SIGKILL);
          else if (errors.length === 0) resolve(exitCode);
          else reject(new UserError(`${this.runtime} could not run the process: ${errors.join('; ')}`));
        });
      };
      child.closed.then(onClosed, (err: unknown) => {
        ended();
        reject(err);
      });
    });
  }

  /** The runtime's own errors (as opposed to the process's exit status), from its JSON log. */
  private async runtimeErrors(logPath: string): Promise<string[]> {
    const text = await readFile(logPath, 'utf8').catch(() => '');
    const errors = text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        try {
          return JSON.parse(line) as { level?: string; msg?: string };
        } catch {
          return { level: 'error', msg: line };
        }
      })
      .filter((entry) => entry.level === 'error' || entry.level === 'fatal');
    return errors.map((entry) => entry.msg ?? '');
  }
}

/**
 * Promise.all that waits for every promise before throwing the first failure: cleanup must not start
 * while a sibling is still creating something (a namespace, a file in the bundle).
 */
async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function signalOf(exitCode: number): NodeJS.Signals | undefined {
  if (exitCode <= 128) return undefined;
  const entry = Object.entries(constants.signals).find(([, number]) => number === exitCode - 128);
  return entry?.[0] as NodeJS.Signals | undefined;
}
