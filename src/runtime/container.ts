// A container's life in the foreground: image → rootfs snapshot → sandbox spec (create), run it through the
// executor recording its state (start), and take it apart again (remove) — also for containers whose
// `tsbuild run` process died (recover).
import { existsSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { setTimeout } from 'node:timers/promises';
import { ConflictError, NotFoundError, TsbuildError, UserError } from '../errors.js';
import { resolveCapabilities } from '../executor/capabilities.js';
import { isStopSignal } from '../graph/stop-signal.js';
import type { DnsSettings, ExecResult, Executor, IpcMode, NetworkMode, SandboxHeadStart, SandboxIO, SandboxMount } from '../executor/executor.js';
import { familiarReference, parseReference } from '../image/reference.js';
import type { ImageStore, StoredImage } from '../image/store.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';
import { initPath, keyValueLines, resolveProcess, type ProcessRequest } from './process-spec.js';
import { isAlive, processStartTime } from './signals.js';
import { newContainerId, type Container, type ContainerConfigRecord, type ContainerStore } from './store.js';
import { parseBytes, parseTmpfs, parseVolume } from './volumes.js';

/** This process as the holder of a container it creates and runs. */
function supervisorOfThisProcess(): { pid: number; startTime: string } {
  return { pid: process.pid, startTime: processStartTime(process.pid) ?? '' };
}

export interface RuntimeDeps {
  images: ImageStore;
  snapshotter: Snapshotter;
  executor: Executor;
  containers: ContainerStore;
  /** Unpacks the image's layers into committed snapshots; the top one, or undefined for an image without layers. */
  unpackImage(image: StoredImage): Promise<string | undefined>;
  /** Host path of a static init (tini) that --init bind-mounts into the container. */
  initBinary: string;
  /** Kills and deletes whatever the executor still holds for sandbox `id` (after its supervisor died). */
  reclaimSandbox(id: string): Promise<void>;
  /** Delivers a signal to the main process of running sandbox `id`; rejects when there is none (yet). */
  signalSandbox(id: string, signal: NodeJS.Signals): Promise<void>;
}

export interface CreateOptions extends ProcessRequest {
  image: string;
  name: string | undefined;
  autoRemove: boolean;
  hostname: string | undefined;
  network: NetworkMode;
  /** --add-host HOST:IP */
  addHosts: string[];
  dns: DnsSettings;
  /** --ipc */
  ipc: string | undefined;
  /** --shm-size */
  shmSize: string | undefined;
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  readOnly: boolean;
  /** -v HOSTDIR:DIR[:ro] */
  volumes: string[];
  /** --tmpfs DIR[:opts] */
  tmpfs: string[];
  memory: string | undefined;
  pidsLimit: number | undefined;
  /** --label K[=V] entries, then --label-file contents (KEY=VALUE lines). */
  labels: string[];
  labelFiles: string[];
  stopSignal: string | undefined;
}

/** The container could not start (Docker's 125), or its command could not be executed (126) or found (127). */
export class StartFailedError extends UserError {
  constructor(
    message: string,
    readonly exitStatus: 125 | 126 | 127,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Docker's start-error mapping (daemon/start.go): "not found" kinds → 127, "permission denied"/"is a directory" → 126. */
export function startFailureStatus(message: string): 125 | 126 | 127 {
  if (/executable file not found|no such file or directory/.test(message)) return 127;
  if (/permission denied|is a directory/.test(message)) return 126;
  return 125;
}

async function findImage(images: ImageStore, text: string): Promise<StoredImage> {
  const image = await images.find(text);
  if (image) return image;
  let shown = text;
  try {
    shown = familiarReference(parseReference(text));
  } catch (err) {
    if (err instanceof TsbuildError) throw err;
  }
  throw new NotFoundError(`Unable to find image '${shown}' locally`);
}

function parseAddHost(spec: string): { host: string; ip: string } {
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1) throw new UserError(`invalid argument "${spec}" for "--add-host" flag: bad format for add-host: "${spec}"`);
  return { host: spec.slice(0, colon), ip: spec.slice(colon + 1) };
}

function parseIpc(mode: string | undefined): IpcMode | undefined {
  if (mode === undefined || mode === '') return undefined;
  if (mode === 'private' || mode === 'shareable' || mode === 'host' || mode === 'none') return mode;
  if (mode.startsWith('container:')) throw new UserError(`--ipc ${mode}: joining another container's IPC namespace is not supported yet`);
  throw new UserError(`invalid IPC mode: ${mode}`);
}

/** A size flag's bytes, or Docker's error naming the flag. */
function sizeFlag(spec: string, flag: string): number {
  try {
    return parseBytes(spec);
  } catch (err) {
    throw new UserError(`invalid argument "${spec}" for "${flag}" flag: ${(err as Error).message}`);
  }
}

/** --shm-size in bytes; 0 or unset is the 64 MiB default. */
function parseShmSize(spec: string | undefined): number | undefined {
  const bytes = spec === undefined ? 0 : sizeFlag(spec, '--shm-size');
  return bytes === 0 ? undefined : bytes;
}

/** The image's labels with the --label-file lines and --label flags over them (`K` alone is an empty value), as Docker merges them. */
function containerLabels(image: Record<string, string> | undefined, flags: string[], files: string[]): Record<string, string> {
  const lines = [...files.flatMap(keyValueLines), ...flags];
  const labels = { ...image };
  for (const line of lines) {
    const at = line.indexOf('=');
    labels[at === -1 ? line : line.slice(0, at)] = at === -1 ? '' : line.slice(at + 1);
  }
  return labels;
}

/** Docker refuses less: runc itself needs a few MB in the container's cgroup to start the process. */
const minimumMemoryBytes = 6 * 1024 * 1024;

/** --memory as a limit in bytes; 0 means none, as in Docker. */
function parseMemory(spec: string): number | undefined {
  const bytes = sizeFlag(spec, '-m, --memory');
  if (bytes === 0) return undefined;
  if (bytes < minimumMemoryBytes) throw new UserError('Minimum memory limit allowed is 6MB');
  return bytes;
}

/** Capability names are checked when the container is created, as Docker does, not when its sandbox starts. */
function checkCapabilities(options: CreateOptions): void {
  const check = (field: 'CapAdd' | 'CapDrop', request: { capAdd: string[]; capDrop: string[] }): void => {
    try {
      resolveCapabilities({ privileged: false, ...request });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      throw new UserError(`invalid ${field}: ${err.message}`);
    }
  };
  check('CapAdd', { capAdd: options.capAdd, capDrop: [] });
  check('CapDrop', { capAdd: [], capDrop: options.capDrop });
}

/**
 * Checks everything, prepares the rootfs snapshot and records the container (status "created"). `id`
 * is chosen by a caller that begins the sandbox meanwhile (SandboxHeadStart).
 */
export async function createContainer(deps: RuntimeDeps, options: CreateOptions, id = newContainerId()): Promise<ContainerConfigRecord> {
  const image = await findImage(deps.images, options.image);
  const imageConfig = (await deps.images.config(image)).config ?? {};
  // Docker's container on the host's network takes the host's name; any other, its short ID.
  const hostname = options.hostname ?? (options.network === 'host' ? osHostname() : id.slice(0, 12));
  const processSpec = resolveProcess(imageConfig, options, hostname);
  const mounts: SandboxMount[] = [];
  for (const spec of options.volumes) mounts.push(await parseVolume(spec));
  mounts.push(...options.tmpfs.map(parseTmpfs));
  if (options.init) {
    if (!existsSync(deps.initBinary)) throw new UserError(`--init needs a static tini at ${deps.initBinary} (Debian package tini)`);
    mounts.push({ type: 'bind', source: deps.initBinary, destination: initPath, options: ['bind', 'ro'] });
  }
  const extraHosts = options.addHosts.map(parseAddHost);
  const hasDns = options.dns.servers.length > 0 || options.dns.search.length > 0 || options.dns.options.length > 0;
  if (hasDns && options.network === 'host') throw new UserError('conflicting options: dns and the network mode');
  const ipc = parseIpc(options.ipc);
  if (options.stopSignal !== undefined && !isStopSignal(options.stopSignal)) throw new UserError(`invalid signal: ${options.stopSignal}`);
  const shmBytes = parseShmSize(options.shmSize);
  checkCapabilities(options);
  const memoryBytes = options.memory === undefined ? undefined : parseMemory(options.memory);
  const limits = {
    ...(memoryBytes === undefined ? {} : { memoryBytes }),
    ...(options.pidsLimit === undefined ? {} : { pidsLimit: options.pidsLimit }),
  };
  const snapshotKey = `container-${id}`;
  const record = {
    id,
    name: options.name,
    image: options.image,
    imageId: image.id,
    snapshotKey,
    autoRemove: options.autoRemove,
    command: options.init ? processSpec.args.slice(2) : processSpec.args,
    labels: containerLabels(imageConfig.Labels, options.labels, options.labelFiles),
    stopSignal: options.stopSignal ?? imageConfig.StopSignal ?? 'SIGTERM',
    sandbox: {
      id,
      process: processSpec,
      readonlyRootfs: options.readOnly,
      mounts,
      hostname,
      network: options.network,
      extraHosts,
      ...(hasDns ? { dns: options.dns } : {}),
      ...(ipc === undefined ? {} : { ipc }),
      ...(shmBytes === undefined ? {} : { shmBytes }),
      privileged: options.privileged,
      capAdd: options.capAdd,
      capDrop: options.capDrop,
      limits,
    },
  };
  // Recorded before any mount is made, so a `run` killed while unpacking leaves a record for recovery to act on.
  const config = await deps.containers.create(record, { status: 'created', supervisor: supervisorOfThisProcess() });
  try {
    await deps.snapshotter.prepare(snapshotKey, await deps.unpackImage(image));
  } catch (err) {
    await deps.containers.remove(id);
    throw err;
  }
  return config;
}

/**
 * Runs a created container in the foreground and records how it ended. With autoRemove the container
 * is removed afterwards however it ended. A sandbox that cannot start is a StartFailedError. The
 * executor takes `headStart` over; it is abandoned when the run fails before reaching the executor.
 */
export async function startContainer(deps: RuntimeDeps, config: ContainerConfigRecord, io: SandboxIO, headStart?: SandboxHeadStart): Promise<ExecResult> {
  const startedAt = new Date().toISOString();
  let handedOver = false;
  try {
    await deps.containers.setState(config.id, { status: 'running', supervisor: supervisorOfThisProcess(), startedAt });
    let result: ExecResult;
    try {
      const rootfs = await deps.snapshotter.mounts(config.snapshotKey);
      handedOver = true;
      result = await deps.executor.run({ ...config.sandbox, rootfs }, io, headStart);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const status = startFailureStatus(message);
      await deps.containers.setState(config.id, { status: 'exited', startedAt, finishedAt: new Date().toISOString(), exitCode: status, error: message });
      // A bug stays a bug (printed with its stack by the CLI); anything else is Docker's 125/126/127.
      if (err instanceof TsbuildError && err.code === 'internal') throw err;
      throw new StartFailedError(message, status, { cause: err });
    }
    // An --rm container is removed next: recording its end would be a write for nobody to read.
    if (!config.autoRemove) {
      await deps.containers.setState(config.id, {
        status: 'exited',
        startedAt,
        finishedAt: new Date().toISOString(),
        exitCode: result.exitCode,
        oomKilled: result.oomKilled,
      });
    }
    return result;
  } finally {
    if (!handedOver) await headStart?.abandon();
    if (config.autoRemove) await removeResources(deps, config);
  }
}

/**
 * Passes a signal to a started container's main process. Right after the start the sandbox may not
 * exist yet, so delivery is retried for a moment; rejects when it never succeeds.
 */
export async function signalContainer(deps: RuntimeDeps, config: ContainerConfigRecord, signal: NodeJS.Signals): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await deps.signalSandbox(config.id, signal);
      return;
    } catch (err) {
      if (attempt >= 40) throw err;
      await setTimeout(50);
    }
  }
}

/** Removes a container that never started (its `run` was interrupted before the start). */
export async function discardContainer(deps: RuntimeDeps, config: ContainerConfigRecord): Promise<void> {
  await removeResources(deps, config);
}

async function removeResources(deps: RuntimeDeps, config: ContainerConfigRecord): Promise<void> {
  if (await deps.snapshotter.stat(config.snapshotKey)) await deps.snapshotter.remove(config.snapshotKey);
  await deps.containers.remove(config.id);
}

/** Whether the `tsbuild run` holding the container still runs. */
function isHeld(container: Container): boolean {
  return container.state.status !== 'exited' && container.state.supervisor !== undefined && isAlive(container.state.supervisor);
}

/** Created or running under a `tsbuild run` that is gone (SIGKILL, crash). */
function isOrphaned(container: Container): boolean {
  return container.state.status !== 'exited' && container.state.supervisor !== undefined && !isAlive(container.state.supervisor);
}

/**
 * Containers left "created"/"running" by a `tsbuild run` that died (SIGKILL, crash): their sandbox is
 * killed and deleted, --rm ones are removed, the others are recorded as killed (137). Every command
 * that lists or removes containers calls this first.
 */
export async function recoverContainers(deps: RuntimeDeps): Promise<void> {
  for (const container of await deps.containers.list()) {
    if (!isOrphaned(container)) continue;
    await deps.reclaimSandbox(container.config.id);
    if (container.config.autoRemove) {
      await removeResources(deps, container.config);
      continue;
    }
    await deps.containers.setState(container.config.id, {
      ...container.state,
      status: 'exited',
      finishedAt: new Date().toISOString(),
      exitCode: 137,
      error: 'the tsbuild process running it was killed',
    });
  }
}

export async function listContainers(deps: RuntimeDeps): Promise<Container[]> {
  await recoverContainers(deps);
  return deps.containers.list();
}

/**
 * `rm`: a running container needs force, which kills the `tsbuild run` holding it and its sandbox.
 * Returns the name or ID as given, as Docker prints it.
 */
export async function removeContainer(deps: RuntimeDeps, nameOrId: string, options: { force: boolean }): Promise<string> {
  const container = await deps.containers.resolve(nameOrId);
  if (isHeld(container)) {
    if (!options.force) {
      throw new ConflictError(
        `cannot remove container "/${container.config.name}": container is running: stop the container before removing or force remove`,
      );
    }
    await killSupervisor(container);
  }
  if (container.state.status !== 'exited') await deps.reclaimSandbox(container.config.id);
  await removeResources(deps, container.config);
  return nameOrId;
}

/** SIGKILLs the `tsbuild run` holding a container and waits until it is gone (its sandbox counts as live until then). */
async function killSupervisor(container: Container): Promise<void> {
  const supervisor = container.state.supervisor;
  if (supervisor === undefined) return;
  try {
    process.kill(supervisor.pid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
  for (let waited = 0; isAlive(supervisor) && waited < 5_000; waited += 20) await setTimeout(20);
}
