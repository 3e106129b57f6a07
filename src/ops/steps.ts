// Executes one step of the instruction graph (src/graph/types.ts) with the ops: a FROM gives the
// starting state, RUN/COPY/ADD/WORKDIR give a new state, config instructions keep the state as it is.
// Translating graph payloads into op specs happens here; the ops themselves know no Dockerfile.
import type { ContentHashIndex } from '../../cache/index.js';
import { compileIgnore, type IgnoreMatcher } from '../../grammar/index.js';
import type { ContextStat } from '../context/context-stat.js';
import { UserError } from '../errors.js';
import type { NetworkMode } from '../executor/executor.js';
import type { CopyStep, InputRef, MountSpec, RunStep, Step } from '../graph/index.js';
import { loadPreviousCopy } from './copied-files.js';
import { copyStep, type CopyReuse, type CopySource } from './copy.js';
import { stateSourceParts } from './state-checksum.js';
import { checksumSources } from './copy-files.js';
import { copyKeyParts, mkdirKeyParts, runKeyParts } from './key-parts.js';
import { emptyFsState, type FsState } from './fs-state.js';
import { isGitSource } from './git-source.js';
import { isRemoteSource, remoteKeyPart } from './remote-source.js';
import { mkdirStep } from './mkdir.js';
import { buildHostname, runStep, type MountOrigin, type RunDeps, type RunIO, type RunMount, type RunSpec } from './run.js';
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
  /** Content digests of context files, kept across builds by stat (saved by the build at its end). */
  contentHash: ContentHashIndex;
  /** The lstat of every context entry the checksum walks saw, by host path (for recordContextStats). */
  seenContextStats?: Map<string, ContextStat> | undefined;
  /** The BUILDKIT_SANDBOX_HOSTNAME build arg: the hostname RUN sees instead of buildkitsandbox. */
  sandboxHostname?: string | undefined;
}

export interface StepInputs {
  /** The state the step builds on (the previous step of its stage); undefined for a stage's FROM. */
  previous: FsState | undefined;
  /** Results of the stages the step reads from (FROM <stage>, COPY --from, --mount from=), by index. */
  stages: ReadonlyMap<number, FsState>;
  /** What the same step gave in an earlier build, if known: a COPY from the context links its unchanged files. */
  lastResult?: FsState | undefined;
}

export async function executeStep(deps: RunDeps, build: BuildInputs, step: Step, inputs: StepInputs, io: RunIO): Promise<FsState> {
  switch (step.kind) {
    case 'source':
      if (step.platform.os !== 'linux' || step.platform.architecture !== 'amd64') {
        throw new UserError(`FROM --platform=${step.platform.os}/${step.platform.architecture}: tsbuild builds linux/amd64 images only`);
      }
      if (step.base.kind === 'scratch') return emptyFsState;
      if (step.base.kind === 'stage') return stageResult(inputs, step.base.stage);
      return imageState(deps, build, step.base.ref);
    case 'config':
      return previousOf(inputs);
    case 'mkdir':
      return mkdirStep(deps, previousOf(inputs), { path: step.path, user: step.user });
    case 'copy': {
      const spec = await copySpecOf(deps, build, step, inputs);
      return copyStep(deps, previousOf(inputs), spec, io.signal, spec.from.kind === 'context' ? await copyReuse(deps, build, inputs) : undefined);
    }
    case 'run':
      return runStep(deps, previousOf(inputs), await runSpecOf(deps, build, step, inputs), io);
  }
}

async function copyReuse(deps: RunDeps, build: BuildInputs, inputs: StepInputs): Promise<CopyReuse> {
  return {
    knownDigest: (hostPath, info) => build.contentHash.knownDigest(hostPath, info),
    previous: inputs.lastResult && (await loadPreviousCopy(deps.snapshotter, deps.content, inputs.lastResult)),
    seenStats: build.seenContextStats,
  };
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
  // BuildKit's words; only ADD fetches (COPY of a URL is refused when the Dockerfile is read).
  if (step.instruction === 'COPY' && sources.some(isGitSource)) throw new UserError("source can't be a git ref for COPY");
  // URLs, repositories and heredocs need no context, so `ADD <url>` works with a Dockerfile from stdin and no context.
  const readsContext = sources.some((s) => !isRemoteSource(s));
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
    // ADD unpacks local archives unless --unpack=false, remote ones only with --unpack=true; COPY never does.
    unpack: step.instruction === 'ADD' && step.unpack !== false,
    unpackRemote: step.instruction === 'ADD' && step.unpack === true,
    checksum: step.checksum,
    keepGitDir: step.keepGitDir,
  };
}

/** BuildKit without a CNI network gives RUN the host's network ("auto" falls back to host). */
function networkOf(requested: RunStep['network'], build: BuildInputs): NetworkMode {
  const mode = requested === 'default' ? build.network : requested;
  return mode === 'none' ? 'none' : 'host';
}

async function runSpecOf(deps: RunDeps, build: BuildInputs, step: RunStep, inputs: StepInputs): Promise<RunSpec> {
  // Asked for by the Dockerfile, the host network is a privilege (BuildKit's testRunHostNetwork); the
  // default network, host here as in BuildKit without CNI, is not.
  if (step.network === 'host' && !deps.entitlements.networkHost) throw new UserError('entitlement network.host is not allowed (use --allow network.host)');
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
    hostname: build.sandboxHostname || buildHostname,
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

async function mountOrigin(deps: RunDeps, build: BuildInputs, inputs: StepInputs, from: InputRef): Promise<MountOrigin> {
  if (from.kind === 'context') return { kind: 'dir', dir: contextDirOf(build), ignore: build.ignore };
  return { kind: 'state', state: await inputState(deps, build, inputs, from) };
}

async function runMountOf(deps: RunDeps, build: BuildInputs, inputs: StepInputs, mount: MountSpec, nextSsh: () => number): Promise<RunMount | undefined> {
  switch (mount.type) {
    case 'cache':
      return {
        type: 'cache',
        target: mount.target,
        id: mount.id ?? mount.target,
        sharing: mount.sharing,
        uid: mount.uid ?? 0,
        gid: mount.gid ?? 0,
        mode: mount.mode ?? 0o755,
        readonly: mount.readonly,
        source: mount.source ?? '/',
        from: mount.from === undefined ? undefined : await mountOrigin(deps, build, inputs, mount.from),
      };
    case 'tmpfs':
      return { type: 'tmpfs', target: mount.target, sizeBytes: mount.size };
    case 'bind': {
      return {
        type: 'bind',
        target: mount.target,
        from: await mountOrigin(deps, build, inputs, mount.from ?? { kind: 'context' }),
        source: mount.source ?? '/',
        readwrite: !mount.readonly,
      };
    }
    case 'secret': {
      const value = build.secrets.get(mount.id);
      if (value === undefined) {
        if (mount.required) throw new UserError(`secret ${mount.id}: not found`);
        return undefined;
      }
      return { type: 'secret', target: mount.target, id: mount.id, value, env: mount.env, uid: mount.uid ?? 0, gid: mount.gid ?? 0, mode: mount.mode ?? 0o400 };
    }
    case 'ssh': {
      const socket = build.sshSockets.get(mount.id);
      const index = nextSsh();
      if (socket === undefined) {
        if (mount.required) throw new UserError(`no SSH key "${mount.id}" forwarded from the client (use --ssh ${mount.id})`);
        return undefined;
      }
      return { type: 'ssh', target: mount.target ?? `/run/buildkit/ssh_agent.${index}`, socket, uid: mount.uid ?? 0, gid: mount.gid ?? 0, mode: mount.mode ?? 0o600 };
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
      const paths = spec.sources.filter((s) => !isRemoteSource(s));
      // What each URL or repository holds now (asked every build, as BuildKit does).
      for (const source of spec.sources.filter(isRemoteSource)) {
        const part = await remoteKeyPart(source, { checksum: spec.checksum, keepGitDir: spec.keepGitDir, extraCaFile: deps.extraCaFile });
        if (part !== undefined) parts.push(part);
      }
      if (spec.from.kind === 'context' && paths.length > 0) {
        const exclude = spec.exclude.length > 0 ? compileIgnore(spec.exclude) : undefined;
        parts.push(...(await checksumSources(build.contentHash, spec.from.dir, { sources: paths, sourceIgnore: spec.from.ignore, exclude, parents: spec.parents }, { owners: false, seenStats: build.seenContextStats })));
      }
      if (spec.from.kind === 'state' && paths.length > 0) {
        parts.push(...(await stateSourceParts(deps, deps.stateChecksumDir, spec.from.state, { sources: paths, exclude: spec.exclude, parents: spec.parents })));
      }
      return parts;
    }
    case 'run': {
      const spec = await runSpecOf(deps, build, step, inputs);
      const parts = [...runKeyParts(spec, new Set(step.argNames)), parent];
      for (const mount of spec.mounts) {
        // What a bind shows, and what a new cache starts as, is an input of the step.
        if ((mount.type !== 'bind' && mount.type !== 'cache') || mount.from === undefined) continue;
        if (mount.from.kind === 'state') parts.push(`mount-from ${mount.target} ${mount.from.state.snapshot ?? 'scratch'}`);
        else parts.push(...(await checksumSources(build.contentHash, mount.from.dir, { sources: [mount.source], sourceIgnore: build.ignore, exclude: undefined, parents: false }, { owners: true, seenStats: build.seenContextStats })));
      }
      return parts;
    }
  }
}
