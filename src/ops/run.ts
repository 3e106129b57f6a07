// RUN: prepare a writable snapshot on the parent state, run the command in the sandbox on it with its
// --mount's (cache, bind, tmpfs, secret, ssh, heredoc files), then turn the changes into a layer and a
// committed snapshot. The sandbox removes the mount-point stubs it creates; secrets never reach the
// layer or the cache key.
import { chmod, chown, cp, lstat, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { dirname, join, posix } from 'node:path';
import { Writable } from 'node:stream';
import { StepFailedError, UserError } from '../errors.js';
import type { IgnoreMatcher } from '../../grammar/index.js';
import { materializeSelection } from '../context/materialize.js';
import type { ExecResult, Executor, NetworkMode, SandboxMount } from '../executor/executor.js';
import { acquireCacheMount } from './cache-mount.js';
import type { Mount } from '../snapshot/snapshotter.js';
import { changeSnapshot, openStateView, uniqueKey, type FsDeps, type FsState } from './fs-state.js';
import { resolveInRoot } from './root-path.js';

/** What a bind mount shows, or a new cache mount starts with: the build context directory or a state (a stage or an image). */
export type MountOrigin = { kind: 'dir'; dir: string; ignore?: IgnoreMatcher | undefined } | { kind: 'state'; state: FsState };

export type RunMount =
  /** `source`: the path inside the cache that is mounted; `from`: what a new cache starts as (BuildKit). */
  | { type: 'cache'; target: string; id: string; sharing: 'shared' | 'private' | 'locked'; uid: number; gid: number; mode: number; readonly: boolean; source: string; from: MountOrigin | undefined }
  | { type: 'tmpfs'; target: string; sizeBytes: number | undefined }
  /** `source` is a path in `from`. */
  | { type: 'bind'; target: string; from: MountOrigin; source: string; readwrite: boolean }
  | { type: 'secret'; target: string | undefined; id: string; value: Buffer; env: string | undefined; uid: number; gid: number; mode: number }
  /** `socket` is the agent on the host (SSH_AUTH_SOCK or --ssh id=path); the step sees a proxy of it. */
  | { type: 'ssh'; target: string; socket: string; uid: number; gid: number; mode: number }
  /** A file made for the step, e.g. a `RUN <<EOF` script with a shebang at /dev/pipes/EOF (read-only). */
  | { type: 'content'; target: string; content: string; mode: number };

export interface RunSpec {
  args: string[];
  /** KEY=value: ENV and the ARGs in scope (BuildKit puts both in the process env). */
  env: string[];
  cwd: string;
  user: string;
  mounts: RunMount[];
  network: NetworkMode;
  /** --security=insecure; allowed only with the security.insecure entitlement. */
  insecure: boolean;
  hostname: string;
  extraHosts: { host: string; ip: string }[];
}

export interface RunDeps extends FsDeps {
  executor: Executor;
  /** Where cache mounts live, by id (under the state root). */
  cacheMountDir: string;
  entitlements: { securityInsecure: boolean; networkHost: boolean };
  /** --no-cache: cache mounts start empty too, as in BuildKit. */
  freshCacheMounts: boolean;
  /** Where the content checksums of what COPY --from selects are kept, per snapshot (state-checksum.ts). */
  stateChecksumDir: string;
}

export interface RunIO {
  onOutput(stream: 'stdout' | 'stderr', chunk: Buffer): void;
  signal: AbortSignal | undefined;
}

/** BuildKit's hostname for build containers. */
export const buildHostname = 'buildkitsandbox';

export async function runStep(deps: RunDeps, parent: FsState, spec: RunSpec, io: RunIO): Promise<FsState> {
  if (spec.insecure && !deps.entitlements.securityInsecure) {
    throw new UserError('entitlement security.insecure is not allowed (use --allow security.insecure)');
  }
  return changeSnapshot(deps, parent, 'run', async (rootfs, key) => {
    const result = await runInSandbox(deps, rootfs, key, spec, io);
    if (result.exitCode !== 0) {
      const how = result.signal ? `signal: ${result.signal}${result.oomKilled ? ' (out of memory?)' : ''}` : `exit code: ${result.exitCode}`;
      throw new StepFailedError(`process "${spec.args.join(' ')}" did not complete successfully: ${how}`);
    }
  });
}

async function runInSandbox(deps: RunDeps, rootfs: Mount[], key: string, spec: RunSpec, io: RunIO): Promise<ExecResult> {
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const env = [...spec.env];
    const sandboxMounts: SandboxMount[] = [];
    for (const mount of spec.mounts) {
      const prepared = await prepareMount(deps, mount, env, cleanups);
      if (prepared) sandboxMounts.push(prepared);
    }
    return await deps.executor.run(
      {
        id: key,
        process: { args: spec.args, env, cwd: spec.cwd, user: spec.user, tty: false },
        rootfs,
        readonlyRootfs: false,
        mounts: sandboxMounts,
        hostname: spec.hostname,
        network: spec.network,
        extraHosts: spec.extraHosts,
        conventions: 'buildkit',
        privileged: spec.insecure,
        capAdd: [],
        capDrop: [],
        limits: {},
      },
      { stdout: outputSink('stdout', io), stderr: outputSink('stderr', io), ...(io.signal ? { signal: io.signal } : {}) },
    );
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

function targetOf(mount: RunMount): string {
  if (mount.type === 'secret') return mount.target ?? `/run/secrets/${mount.id}`;
  return mount.target;
}

async function prepareMount(deps: RunDeps, mount: RunMount, env: string[], cleanups: (() => Promise<void>)[]): Promise<SandboxMount | undefined> {
  switch (mount.type) {
    case 'tmpfs':
      return { destination: mount.target, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', ...(mount.sizeBytes ? [`size=${mount.sizeBytes}`] : [])] };
    case 'cache': {
      const from = mount.from;
      const seed = from === undefined ? undefined : (dir: string) => seedCache(deps, from, mount.source, dir);
      const lease = await acquireCacheMount(deps.cacheMountDir, deps.tmpDir, mount, deps.freshCacheMounts, seed);
      cleanups.push(lease.release);
      // Resolved inside the cache: a link in it can point nowhere else (BuildKit testCacheMountSourceEscape).
      const source = await resolveInRoot(lease.dir, mount.source);
      if (!(await isDirectory(source))) throw new UserError(`failed to mount ${mount.target}: "${posix.normalize(`/${mount.source}`)}": not found in the cache`);
      return { destination: mount.target, type: 'bind', source, options: ['rbind', mount.readonly ? 'ro' : 'rw'] };
    }
    case 'bind': {
      const root = await originRoot(deps, mount.from, cleanups);
      const source = await resolveInRoot(root, mount.source);
      await lstat(source).catch(() => {
        throw new UserError(`failed to mount ${mount.target}: "${posix.normalize(`/${mount.source}`)}": not found`);
      });
      const ignore = mount.from.kind === 'dir' ? mount.from.ignore : undefined;
      const filtered = ignore !== undefined && (await stat(source)).isDirectory();
      const options = ['rbind', mount.readwrite ? 'rw' : 'ro'];
      if (!mount.readwrite && !filtered) return { destination: mount.target, type: 'bind', source, options };
      // A context directory shows only what .dockerignore selects; rw binds get a throwaway copy, so
      // writes are allowed but never reach the source.
      const view = join(deps.tmpDir, uniqueKey('bind'));
      cleanups.push(() => rm(view, { recursive: true, force: true }));
      if (filtered) {
        const contextPath = posix.normalize(`/${mount.source}`).slice(1);
        await materializeSelection(source, contextPath, { sourceIgnore: ignore, exclude: undefined }, view, mount.readwrite ? 'copy' : 'link');
      } else {
        await cp(source, view, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      }
      return { destination: mount.target, type: 'bind', source: view, options };
    }
    case 'secret': {
      if (mount.env !== undefined) env.push(`${mount.env}=${mount.value.toString('utf8')}`);
      // `env=` without `target=` exposes the secret as a variable only, with no file (BuildKit).
      if (mount.env !== undefined && mount.target === undefined) return undefined;
      const file = join(deps.tmpDir, uniqueKey('secret'));
      cleanups.push(() => rm(file, { force: true }));
      await writeFile(file, mount.value, { mode: 0o600 });
      await chown(file, mount.uid, mount.gid);
      await chmod(file, mount.mode);
      return { destination: targetOf(mount), type: 'bind', source: file, options: ['bind', 'ro'] };
    }
    case 'content': {
      const file = join(deps.tmpDir, uniqueKey('content'));
      cleanups.push(() => rm(file, { force: true }));
      await writeFile(file, mount.content, { mode: mount.mode });
      await chmod(file, mount.mode);
      return { destination: mount.target, type: 'bind', source: file, options: ['bind', 'ro'] };
    }
    case 'ssh': {
      const proxy = await startAgentProxy(join(deps.tmpDir, `${uniqueKey('ssh')}.sock`), mount);
      cleanups.push(proxy.close);
      env.push(`SSH_AUTH_SOCK=${mount.target}`);
      return { destination: mount.target, type: 'bind', source: proxy.path, options: ['bind'] };
    }
  }
}

/** The directory a mount origin is read from; a state is mounted read-only until the cleanups run. */
async function originRoot(deps: RunDeps, origin: MountOrigin, cleanups: (() => Promise<void>)[]): Promise<string> {
  if (origin.kind === 'dir') return origin.dir;
  const view = await openStateView(deps, origin.state);
  cleanups.push(view.close);
  return view.dir;
}

const isDirectory = (path: string): Promise<boolean> => stat(path).then((info) => info.isDirectory(), () => false);

/**
 * Fills a new cache directory from `source` in the mount's `from=`, at that same path inside the cache
 * (the mount then shows it). Owners, modes and times are kept; .dockerignore applies to the context.
 */
async function seedCache(deps: RunDeps, origin: MountOrigin, source: string, dir: string): Promise<void> {
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const from = await resolveInRoot(await originRoot(deps, origin, cleanups), source);
    if (!(await isDirectory(from))) throw new UserError(`failed to mount cache from "${posix.normalize(`/${source}`)}": not a directory`);
    const relative = posix.normalize(`/${source}`).slice(1);
    const rules = { sourceIgnore: origin.kind === 'dir' ? origin.ignore : undefined, exclude: undefined };
    if (relative !== '') {
      const into = join(dir, relative);
      await mkdir(dirname(into), { recursive: true });
      await materializeSelection(from, relative, rules, into, 'copy');
      return;
    }
    // The cache root keeps the mount's owner and mode: fill a new directory, then move its entries in.
    const fill = join(deps.tmpDir, uniqueKey('cache-seed'));
    cleanups.push(() => rm(fill, { recursive: true, force: true }));
    await materializeSelection(from, '', rules, fill, 'copy');
    for (const name of await readdir(fill)) await rename(join(fill, name), join(dir, name));
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/**
 * A socket of our own that forwards each connection to the host's SSH agent, so the step gets the
 * mount's owner and mode (as BuildKit's forwarded agent socket) and the host socket is never exposed.
 */
async function startAgentProxy(path: string, mount: { socket: string; uid: number; gid: number; mode: number }): Promise<{ path: string; close(): Promise<void> }> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const agent = connect(mount.socket);
    for (const socket of [client, agent]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    }
    agent.on('error', () => client.destroy());
    client.on('error', () => agent.destroy());
    client.pipe(agent).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  await chown(path, mount.uid, mount.gid);
  await chmod(path, mount.mode);
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy(); // the step is over: nothing may keep talking to the agent
      }),
  };
}

function outputSink(stream: 'stdout' | 'stderr', io: RunIO): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      io.onOutput(stream, chunk);
      callback();
    },
  });
}

