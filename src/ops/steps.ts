// Executes one step of the instruction graph (src/graph/types.ts) with the ops: a FROM gives the
// starting state, RUN/COPY/ADD/WORKDIR give a new state, config instructions keep the state as it is.
// Translating graph payloads into op specs happens here; the ops themselves know no Dockerfile.
import { posix } from 'node:path';
import { compileIgnore, type IgnoreMatcher } from '../../grammar/index.js';
import { UserError } from '../errors.js';
import type { NetworkMode } from '../executor/executor.js';
import type { CopyStep, InputRef, MountSpec, RunStep, Step } from '../graph/index.js';
import { copyStep, type CopySource } from './copy.js';
import { checksumSources } from './copy-files.js';
import { copyKeyParts, mkdirKeyParts, runKeyParts } from './key-parts.js';
import { emptyFsState, type FsState } from './fs-state.js';
import { isUrlSource } from './http-source.js';
import { mkdirStep } from './mkdir.js';
import { buildHostname, runStep, type RunDeps, type RunIO, type RunMount, type RunSpec } from './run.js';
import { unpackImage, type BaseImage } from './source.js';

/** What one build brings to its steps besides the engine's stores. */
export interface BuildInputs {
  /** The build context; undefined when the Dockerfile came on stdin without one. */
  contextDir: string | undefined;
  ignore: IgnoreMatcher | undefined;
  /** Every image the graph names (FROM, COPY --from, --mount from=), resolved beforehand. */
  images: ReadonlyMap<string, BaseImage>;
  /** --secret values by id. */
  secrets: ReadonlyMap<string, Buffer>;
  /** --ssh agent sockets by id. */
  sshSockets: ReadonlyMap<string, string>;
  /** --network for every RUN that does not say otherwise. */
  network: 'default' | 'none' | 'host';
  extraHosts: { host: string; ip: string }[];
}

export interface StepInputs {
  /** The state the step builds on (the previous step of its stage); undefined for a stage's FROM. */
  previous: FsState | undefined;
  /** Results of the stages the step reads from (FROM <stage>, COPY --from, --mount from=), by index. */
  stages: ReadonlyMap<number, FsState>;
}

export async function executeStep(deps: RunDeps, build: BuildInputs, step: Step, inputs: StepInputs, io: RunIO): Promise<FsState> {
  switch (step.kind) {
    case 'source':
      if (step.base.kind === 'scratch') return emptyFsState;
      if (step.base.kind === 'stage') return stageResult(inputs, step.base.stage);
      return imageState(deps, build, step.base.ref);
    case 'config':
      return previousOf(inputs);
    case 'mkdir':
      return mkdirStep(deps, previousOf(inputs), { path: step.path, user: step.user });
    case 'copy':
      return copyStep(deps, previousOf(inputs), await copySpecOf(deps, build, step, inputs), io.signal);
    case 'run':
      return runStep(deps, previousOf(inputs), await runSpecOf(deps, build, step, inputs), io);
  }
}

function previousOf(inputs: StepInputs): FsState {
  if (!inputs.previous) throw new Error('a step other than FROM needs the previous state');
  return inputs.previous;
}

function stageResult(inputs: StepInputs, stage: number): FsState {
  const state = inputs.stages.get(stage);
  if (!state) throw new Error(`stage ${stage} was not built before a step that reads it`);
  return state;
}

function imageState(deps: RunDeps, build: BuildInputs, ref: string): Promise<FsState> {
  const image = build.images.get(ref);
  if (!image) throw new Error(`image ${ref} was not resolved before the build`);
  return unpackImage(deps, image);
}

async function inputState(deps: RunDeps, build: BuildInputs, inputs: StepInputs, from: Exclude<InputRef, { kind: 'context' }>): Promise<FsState> {
  return from.kind === 'stage' ? stageResult(inputs, from.stage) : imageState(deps, build, from.ref);
}

function contextDirOf(build: BuildInputs): string {
  if (build.contextDir === undefined) throw new UserError('this Dockerfile reads from the build context, but the context is - (none)');
  return build.contextDir;
}

async function copySpecOf(deps: RunDeps, build: BuildInputs, step: CopyStep, inputs: StepInputs): Promise<Parameters<typeof copyStep>[2]> {
  const heredocs = step.sources.filter((s) => s.content !== undefined).map((s) => ({ name: s.path, content: s.content as string }));
  const sources = step.sources.filter((s) => s.content === undefined).map((s) => s.path);
  // URLs and heredocs need no context, so `ADD <url>` works with a Dockerfile from stdin and no context.
  const readsContext = sources.some((s) => !isUrlSource(s));
  const from: CopySource =
    step.from.kind !== 'context'
      ? { kind: 'state', state: await inputState(deps, build, inputs, step.from) }
      : { kind: 'context', dir: readsContext ? contextDirOf(build) : (build.contextDir ?? '/nonexistent'), ignore: build.ignore };
  return {
    from,
    sources,
    heredocs,
    destination: step.destination,
    chown: step.chown,
    chmod: step.chmod,
    exclude: step.exclude,
    parents: step.parents,
    link: step.link,
    // ADD unpacks local archives unless --unpack=false; COPY never does.
    unpack: step.instruction === 'ADD' && step.unpack !== false,
    checksum: step.checksum,
  };
}

/** BuildKit without a CNI network gives RUN the host's network ("auto" falls back to host). */
function networkOf(requested: RunStep['network'], build: BuildInputs): NetworkMode {
  const mode = requested === 'default' ? build.network : requested;
  return mode === 'none' ? 'none' : 'host';
}

async function runSpecOf(deps: RunDeps, build: BuildInputs, step: RunStep, inputs: StepInputs): Promise<RunSpec> {
  const mounts: RunMount[] = [];
  let sshCount = 0;
  for (const mount of step.mounts) {
    const converted = await runMountOf(deps, build, inputs, mount, () => sshCount++);
    if (converted) mounts.push(converted);
  }
  for (const file of step.files) mounts.push({ type: 'content', target: file.path, content: file.content, mode: file.mode });
  return {
    args: step.args,
    env: [...step.env, ...proxyEnv(step)],
    cwd: step.workdir,
    user: step.user,
    mounts,
    network: networkOf(step.network, build),
    insecure: step.security === 'insecure',
    hostname: buildHostname,
    extraHosts: build.extraHosts,
  };
}

/** Proxy build args reach the process under both spellings, as BuildKit's ProxyEnv does. */
function proxyEnv(step: RunStep): string[] {
  const proxy = step.proxy;
  if (!proxy) return [];
  const pairs: [string, string | undefined][] = [
    ['HTTP_PROXY', proxy.HTTPProxy],
    ['HTTPS_PROXY', proxy.HTTPSProxy],
    ['FTP_PROXY', proxy.FTPProxy],
    ['NO_PROXY', proxy.NoProxy],
    ['ALL_PROXY', proxy.AllProxy],
  ];
  return pairs.flatMap(([name, value]) => (value === undefined ? [] : [`${name}=${value}`, `${name.toLowerCase()}=${value}`]));
}

function numberOption(options: Record<string, string>, name: string, fallback: number, radix = 10): number {
  const text = options[name];
  if (text === undefined || text === '') return fallback;
  const value = Number.parseInt(text, radix);
  if (!Number.isInteger(value) || value < 0) throw new UserError(`invalid --mount ${name}=${text}`);
  return value;
}

/** `size=` of a tmpfs: bytes, or with a k/m/g suffix (as BuildKit's units parsing takes it). */
function sizeOption(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const match = /^(\d+)([kmg]?)i?b?$/i.exec(text.trim());
  if (!match) throw new UserError(`invalid --mount size=${text}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] as string).toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(match[1]) * unit;
}

async function runMountOf(deps: RunDeps, build: BuildInputs, inputs: StepInputs, mount: MountSpec, nextSsh: () => number): Promise<RunMount | undefined> {
  const options = mount.options;
  const required = options['required'] !== undefined && options['required'] !== 'false' && options['required'] !== '0';
  switch (mount.type) {
    case 'cache':
      return {
        type: 'cache',
        target: mount.target as string,
        id: options['id'] ?? (mount.target as string),
        sharing: (options['sharing'] ?? 'shared') as 'shared' | 'private' | 'locked',
        uid: numberOption(options, 'uid', 0),
        gid: numberOption(options, 'gid', 0),
        mode: numberOption(options, 'mode', 0o755, 8),
        readonly: mount.readonly,
      };
    case 'tmpfs':
      return { type: 'tmpfs', target: mount.target as string, sizeBytes: sizeOption(options['size']) };
    case 'bind': {
      const from = mount.from ?? { kind: 'context' as const };
      return {
        type: 'bind',
        target: mount.target as string,
        from: from.kind === 'context' ? { kind: 'dir', dir: contextDirOf(build) } : { kind: 'state', state: await inputState(deps, build, inputs, from) },
        source: mount.source ?? '/',
        readwrite: !mount.readonly,
      };
    }
    case 'secret': {
      const id = options['id'] ?? mount.source ?? posix.basename(mount.target ?? '');
      const value = build.secrets.get(id);
      if (value === undefined) {
        if (required) throw new UserError(`secret ${id}: not found`);
        return undefined;
      }
      return { type: 'secret', target: mount.target, id, value, env: options['env'], uid: numberOption(options, 'uid', 0), gid: numberOption(options, 'gid', 0), mode: numberOption(options, 'mode', 0o400, 8) };
    }
    case 'ssh': {
      const id = options['id'] ?? 'default';
      const socket = build.sshSockets.get(id);
      const index = nextSsh();
      if (socket === undefined) {
        if (required) throw new UserError(`no SSH key "${id}" forwarded from the client (use --ssh ${id})`);
        return undefined;
      }
      return { type: 'ssh', target: mount.target ?? `/run/buildkit/ssh_agent.${index}`, socket, uid: numberOption(options, 'uid', 0), gid: numberOption(options, 'gid', 0), mode: numberOption(options, 'mode', 0o600, 8) };
    }
  }
}

/**
 * The named parts of a step's cache key: the op's own parts, the state it builds on, and checksums of
 * the context files it reads (COPY sources, RUN bind mounts). Source and config steps are not cached.
 */
export async function stepKeyParts(deps: RunDeps, build: BuildInputs, step: Exclude<Step, { kind: 'source' | 'config' }>, inputs: StepInputs): Promise<string[]> {
  const parent = `parent ${previousOf(inputs).snapshot ?? 'scratch'}`;
  switch (step.kind) {
    case 'mkdir':
      return [...mkdirKeyParts({ path: step.path, user: step.user }), parent];
    case 'copy': {
      const spec = await copySpecOf(deps, build, step, inputs);
      const parts = [...copyKeyParts(spec, step.instruction), parent];
      const paths = spec.sources.filter((s) => !isUrlSource(s));
      if (spec.from.kind === 'context' && paths.length > 0) {
        const exclude = spec.exclude.length > 0 ? compileIgnore(spec.exclude) : undefined;
        parts.push(...(await checksumSources(spec.from.dir, { sources: paths, sourceIgnore: spec.from.ignore, exclude, parents: spec.parents })));
      }
      return parts;
    }
    case 'run': {
      const spec = await runSpecOf(deps, build, step, inputs);
      const parts = [...runKeyParts(spec, new Set()), parent];
      for (const mount of spec.mounts) {
        if (mount.type !== 'bind') continue;
        if (mount.from.kind === 'state') parts.push(`mount-from ${mount.target} ${mount.from.state.snapshot ?? 'scratch'}`);
        else parts.push(...(await checksumSources(mount.from.dir, { sources: [mount.source], sourceIgnore: build.ignore, exclude: undefined, parents: false })));
      }
      return parts;
    }
  }
}
