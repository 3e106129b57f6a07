// The container lifecycle logic against a real image and container store, with a recording snapshotter and
// scripted executors (the real sandbox is exercised by test/e2e/run*.test.ts).
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentStore, initDigests } from '../../cache/index.js';
import { NotFoundError } from '../../src/errors.js';
import type { ExecResult, Executor, SandboxSpec } from '../../src/executor/executor.js';
import { importRootfs } from '../../src/image/import.js';
import { parseTagReference } from '../../src/image/reference.js';
import { ImageStore } from '../../src/image/store.js';
import {
  StartFailedError,
  createContainer,
  signalContainer,
  listContainers,
  removeContainer,
  startContainer,
  startFailureStatus,
  type CreateOptions,
  type RuntimeDeps,
} from '../../src/runtime/container.js';
import { processStartTime } from '../../src/runtime/signals.js';
import { ContainerStore } from '../../src/runtime/store.js';
import type { Mount, SnapshotInfo, Snapshotter } from '../../src/snapshot/snapshotter.js';
import { repoRoot } from '../helpers/paths.js';
import { noFlagsProcess } from './requests.js';

/** Remembers prepared keys; enough to check that containers take and give back their rootfs. */
class RecordingSnapshotter implements Snapshotter {
  readonly name = 'native' as const;
  readonly active = new Map<string, string | undefined>();
  prepare(key: string, parent?: string): Promise<Mount[]> {
    this.active.set(key, parent);
    return this.mounts(key);
  }
  view = this.prepare;
  mounts(key: string): Promise<Mount[]> {
    return Promise.resolve([{ type: 'bind', source: `/snapshots/${key}`, options: ['rbind'] }]);
  }
  commit(): Promise<void> {
    return Promise.reject(new Error('containers never commit'));
  }
  hasUnsynced(): Promise<boolean> {
    return Promise.reject(new Error('containers never sync'));
  }
  markSynced(): Promise<void> {
    return Promise.reject(new Error('containers never sync'));
  }
  remove(key: string): Promise<void> {
    if (!this.active.delete(key)) return Promise.reject(new NotFoundError(`snapshot ${key} does not exist`));
    return Promise.resolve();
  }
  ownFiles(): Promise<string | undefined> {
    return Promise.reject(new Error('containers never read snapshot files directly'));
  }
  stat(key: string): Promise<SnapshotInfo | undefined> {
    return Promise.resolve(this.active.has(key) ? { name: key, kind: 'active', parent: this.active.get(key), created: new Date() } : undefined);
  }
  list(): Promise<SnapshotInfo[]> {
    return Promise.resolve([]);
  }
  usage(): Promise<{ size: number; inodes: number }> {
    return Promise.resolve({ size: 0, inodes: 0 });
  }
  changes(): Promise<{ changes: []; contentRoot: string }> {
    return Promise.resolve({ changes: [], contentRoot: '/' });
  }
}

class ScriptedExecutor implements Executor {
  readonly specs: SandboxSpec[] = [];
  constructor(private readonly outcome: (spec: SandboxSpec) => Promise<ExecResult>) {}
  run(spec: SandboxSpec): Promise<ExecResult> {
    this.specs.push(spec);
    return this.outcome(spec);
  }
}

let dir: string;
let images: ImageStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-runtime-'));
  await initDigests();
  images = await ImageStore.open(join(dir, 'images'), await ContentStore.open(join(dir, 'content')));
  await importRootfs(images, createReadStream(join(repoRoot, '.tsbuild-bases', 'busybox.tar')), {
    sourceName: 'busybox.tar',
    ref: parseTagReference('bb:1'),
    changes: ['ENV A=1', 'WORKDIR /work', 'USER app', 'ENTRYPOINT ["/bin/sh", "-c"]', 'CMD ["echo hi"]'],
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function runtime(executor: Executor): Promise<RuntimeDeps & { snapshotter: RecordingSnapshotter; reclaimed: string[]; signalled: string[] }> {
  const reclaimed: string[] = [];
  const signalled: string[] = [];
  return {
    images,
    snapshotter: new RecordingSnapshotter(),
    executor,
    containers: await ContainerStore.open(await mkdtemp(join(dir, 'containers-'))),
    unpackImage: () => Promise.resolve('layers-top'),
    initBinary: '/usr/bin/tini-static',
    reclaimSandbox: (id) => {
      reclaimed.push(id);
      return Promise.resolve();
    },
    // A sandbox that "starts" on the third delivery attempt.
    signalSandbox: (id, signal) => {
      signalled.push(`${id.slice(0, 4)} ${signal}`);
      return signalled.length < 3 ? Promise.reject(new Error('container does not exist')) : Promise.resolve();
    },
    reclaimed,
    signalled,
  };
}

const options = (overrides: Partial<CreateOptions> = {}): CreateOptions => ({
  ...noFlagsProcess,
  image: 'bb:1',
  name: undefined,
  autoRemove: false,
  hostname: undefined,
  network: 'none',
  addHosts: [],
  dns: { servers: [], search: [], options: [] },
  ipc: undefined,
  shmSize: undefined,
  privileged: false,
  capAdd: [],
  capDrop: [],
  readOnly: false,
  volumes: [],
  tmpfs: [],
  memory: undefined,
  pidsLimit: undefined,
  labels: [],
  labelFiles: [],
  stopSignal: undefined,
  ...overrides,
});

const io = { stdout: new PassThrough(), stderr: new PassThrough() };
const exited = (exitCode: number): Promise<ExecResult> => Promise.resolve({ exitCode, signal: undefined, oomKilled: false });

describe('createContainer + startContainer', () => {
  it('runs the image config on a fresh snapshot of the image and records the exit', async () => {
    const executor = new ScriptedExecutor(() => exited(3));
    const deps = await runtime(executor);
    const config = await createContainer(deps, options({ memory: '64m', pidsLimit: 20, addHosts: ['db:10.0.0.2'], init: true }));
    expect(deps.snapshotter.active.get(config.snapshotKey)).toBe('layers-top');
    expect((await startContainer(deps, config, io)).exitCode).toBe(3);
    const spec = executor.specs[0] as SandboxSpec;
    expect(spec.process).toMatchObject({ args: ['/sbin/docker-init', '--', '/bin/sh', '-c', 'echo hi'], cwd: '/work', user: 'app' });
    expect(spec.process.env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `HOSTNAME=${config.id.slice(0, 12)}`, 'A=1']);
    expect(spec.hostname).toBe(config.id.slice(0, 12));
    expect(spec.rootfs).toEqual([{ type: 'bind', source: `/snapshots/${config.snapshotKey}`, options: ['rbind'] }]);
    expect(spec.limits).toEqual({ memoryBytes: 64 << 20, pidsLimit: 20 });
    expect(spec.extraHosts).toEqual([{ host: 'db', ip: '10.0.0.2' }]);
    expect(spec.mounts).toContainEqual({ type: 'bind', source: '/usr/bin/tini-static', destination: '/sbin/docker-init', options: ['bind', 'ro'] });
    expect(config.command).toEqual(['/bin/sh', '-c', 'echo hi']);
    const [container] = await deps.containers.list();
    expect(container?.state).toMatchObject({ status: 'exited', exitCode: 3 });
  });

  it('with autoRemove leaves nothing behind, also when the sandbox fails to start', async () => {
    for (const outcome of [() => exited(0), () => Promise.reject(new Error('exec: "nope": executable file not found in $PATH'))]) {
      const deps = await runtime(new ScriptedExecutor(outcome));
      const config = await createContainer(deps, options({ autoRemove: true, command: ['nope'] }));
      await startContainer(deps, config, io).catch(() => undefined);
      expect(deps.snapshotter.active.size).toBe(0);
      expect(await deps.containers.list()).toEqual([]);
    }
  });

  it("maps start failures to Docker's statuses", async () => {
    const deps = await runtime(new ScriptedExecutor(() => Promise.reject(new Error('exec: "/etc": is a directory'))));
    const config = await createContainer(deps, options());
    const failure = await startContainer(deps, config, io).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(StartFailedError);
    expect((failure as StartFailedError).exitStatus).toBe(126);
    expect(startFailureStatus('exec: "x": executable file not found in $PATH')).toBe(127);
    expect(startFailureStatus('exec: "/bin/x": no such file or directory')).toBe(127);
    expect(startFailureStatus('exec: "/etc/passwd": permission denied')).toBe(126);
    expect(startFailureStatus('unable to find user nobody2: no matching entries in passwd file')).toBe(125);
  });

  it('takes --memory 0 as no limit, as Docker does', async () => {
    const executor = new ScriptedExecutor(() => exited(0));
    const deps = await runtime(executor);
    await startContainer(deps, await createContainer(deps, options({ memory: '0' })), io);
    expect(executor.specs[0]?.limits).toEqual({});
  });

  it('hands the sandbox --dns*, --ipc, --shm-size and --group-add, and leaves Docker defaults unset', async () => {
    const executor = new ScriptedExecutor(() => exited(0));
    const deps = await runtime(executor);
    const dns = { servers: ['9.9.9.9'], search: ['example.org'], options: ['ndots:2'] };
    await startContainer(deps, await createContainer(deps, options({ dns, ipc: 'host', shmSize: '1m', groupAdd: ['10', 'audio'] })), io);
    await startContainer(deps, await createContainer(deps, options({ shmSize: '0' })), io);
    const [given, defaults] = executor.specs;
    expect([given?.dns, given?.ipc, given?.shmBytes, given?.process.groupAdd]).toEqual([dns, 'host', 1024 * 1024, ['10', 'audio']]);
    expect([defaults?.dns, defaults?.ipc, defaults?.shmBytes, defaults?.process.groupAdd]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('records the image’s labels under --label-file’s and --label’s, and the stop signal', async () => {
    const deps = await runtime(new ScriptedExecutor(() => exited(0)));
    const container = await createContainer(deps, options({ labels: ['b=flag', 'bare'], labelFiles: ['# labels\na=file\nb=file\n'], stopSignal: 'SIGUSR1' }));
    expect(container.labels).toEqual({ a: 'file', b: 'flag', bare: '' });
    expect(container.stopSignal).toBe('SIGUSR1');
    expect((await createContainer(deps, options())).stopSignal).toBe('SIGTERM');
    await expect(createContainer(deps, options({ stopSignal: 'SIGNOPE' }))).rejects.toThrow('invalid signal: SIGNOPE');
  });

  it('fails before touching anything for an unknown image, a missing host path, a bad capability or memory size', async () => {
    const deps = await runtime(new ScriptedExecutor(() => exited(0)));
    await expect(createContainer(deps, options({ image: 'nosuch' }))).rejects.toThrow("Unable to find image 'nosuch:latest' locally");
    await expect(createContainer(deps, options({ volumes: ['/nonexistent-dir:/x'] }))).rejects.toThrow('bind source path does not exist');
    await expect(createContainer(deps, options({ capAdd: ['NET_ADMIN', 'BOGUS'] }))).rejects.toThrow('invalid CapAdd: unknown capability: "CAP_BOGUS"');
    await expect(createContainer(deps, options({ capDrop: ['chown', 'nope'] }))).rejects.toThrow('invalid CapDrop: unknown capability: "CAP_NOPE"');
    await expect(createContainer(deps, options({ memory: '5m' }))).rejects.toThrow('Minimum memory limit allowed is 6MB');
    await expect(createContainer(deps, options({ memory: '1x' }))).rejects.toThrow(`invalid argument "1x" for "-m, --memory" flag: invalid size: '1x'`);
    await expect(createContainer(deps, options({ ipc: 'bogus' }))).rejects.toThrow('invalid IPC mode: bogus');
    await expect(createContainer(deps, options({ shmSize: 'big' }))).rejects.toThrow(`invalid argument "big" for "--shm-size" flag`);
    await expect(createContainer(deps, options({ network: 'host', dns: { servers: ['9.9.9.9'], search: [], options: [] } }))).rejects.toThrow('conflicting options: dns and the network mode');
    expect(deps.snapshotter.active.size).toBe(0);
    expect(await deps.containers.list()).toEqual([]);
  });
});

describe('signalContainer', () => {
  it('retries while the sandbox is still starting', async () => {
    const deps = await runtime(new ScriptedExecutor(() => exited(0)));
    const config = await createContainer(deps, options());
    await signalContainer(deps, config, 'SIGTERM');
    expect(deps.signalled).toEqual(Array.from({ length: 3 }, () => `${config.id.slice(0, 4)} SIGTERM`));
  });
});

describe('recovery and removal', () => {
  it('records a container whose tsbuild run died as killed, and reclaims its sandbox', async () => {
    const deps = await runtime(new ScriptedExecutor(() => exited(0)));
    const config = await createContainer(deps, options({ name: 'orphan' }));
    const dead = spawn('true');
    const pid = dead.pid as number;
    const startTime = processStartTime(pid) ?? 'gone';
    await new Promise((resolve) => dead.on('exit', resolve));
    await deps.containers.setState(config.id, { status: 'running', supervisor: { pid, startTime }, startedAt: new Date().toISOString() });
    const [container] = await listContainers(deps);
    expect(container?.state).toMatchObject({ status: 'exited', exitCode: 137 });
    expect(deps.reclaimed).toEqual([config.id]);
  });

  it('removes a --rm container whose tsbuild run died', async () => {
    const deps = await runtime(new ScriptedExecutor(() => exited(0)));
    const config = await createContainer(deps, options({ autoRemove: true }));
    await deps.containers.setState(config.id, { status: 'running', supervisor: { pid: 999_999_999, startTime: '1' } });
    expect(await listContainers(deps)).toEqual([]);
    expect(deps.snapshotter.active.size).toBe(0);
  });

  it('refuses to remove a running container without force', async () => {
    const deps = await runtime(new ScriptedExecutor(() => exited(0)));
    const config = await createContainer(deps, options({ name: 'busy' }));
    const holder = spawn('sleep', ['30']);
    const holderExit = new Promise((resolve) => holder.on('exit', resolve));
    try {
      const pid = holder.pid as number;
      await deps.containers.setState(config.id, { status: 'running', supervisor: { pid, startTime: processStartTime(pid) as string } });
      await expect(removeContainer(deps, 'busy', { force: false })).rejects.toThrow(
        'cannot remove container "/busy": container is running: stop the container before removing or force remove',
      );
      expect(await removeContainer(deps, 'busy', { force: true })).toBe('busy');
      await holderExit;
      expect(holder.signalCode).toBe('SIGKILL');
      expect(await deps.containers.list()).toEqual([]);
      expect(deps.snapshotter.active.size).toBe(0);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
