// The build composition behind `tsbuild build`: Dockerfile → graph → ops on the sandbox → image and tags.
// Kept apart from engine.ts so commands that do not build never load the parser (chevrotain costs ~0.4 s to import).
import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve as resolvePath } from 'node:path';
import { finished } from 'node:stream/promises';
import { ContentHashIndex } from '../cache/index.js';
import { compileIgnore, dockerignorePathFor, parseDockerignore, type Diagnostic, type Dockerfile, type IgnoreRules, type Range } from '../grammar/index.js';
import { DockerfileError, NotFoundError, TsbuildError, UserError, type SourceRef } from './errors.js';
import type { Executor } from './executor/executor.js';
import { RuncExecutor } from './executor/runc.js';
import { buildGraph, planWithBaseImages, runChecks, type CheckWarning, type GraphEdge, type GraphStage, type InstructionGraph, type StagePlan, type StepNode } from './graph/index.js';
import type { ContainerConfig, HistoryEntry } from './image/oci.js';
import type { FsState } from './ops/fs-state.js';
import { chooseEpoch, commitBuiltImage } from './ops/image-result.js';
import type { RunDeps } from './ops/run.js';
import { checkPlatform, resolveBaseImage } from './ops/source.js';
import { BuildCache } from './ops/build-cache.js';
import { executeStep, stepKeyParts, type BuildInputs, type StepInputs } from './ops/steps.js';
import { mountAll, syncFilesystem, unmount } from './snapshot/mount.js';
import type { SolveEvent } from './solver/events.js';
import type { ExecContext, Op, SolveCache, Vertex } from './solver/op.js';
import { solve } from './solver/scheduler.js';
import { openSnapshotter } from './snapshot/open-snapshotter.js';
import type { Snapshotter } from './snapshot/snapshotter.js';
import type { ImageReference } from './image/reference.js';
import type { StoredImage } from './image/store.js';
import type { Engine } from './engine.js';
import { buildCacheDir, cacheMountsDir, stateChecksumDir } from './engine-cache.js';
import { recordContextStats, type ContextStats } from './context/stat-record.js';
import { parseDockerfileKept, type ParseCache } from './context/parsed-dockerfile.js';
import { isRemoteSource } from './ops/remote-source.js';
import { extractArchive, startsLikeArchive } from './ops/archive.js';

/** The Dockerfile, the context directory and its ignore rules, as a build starts with them. */
export interface BuildInput {
  dockerfile: { text: string; name: string };
  /** Undefined when the context is `-` (a Dockerfile on stdin and no files to copy). */
  contextDir: string | undefined;
  ignore: IgnoreRules | undefined;
  /** Each file read to find the Dockerfile and ignore rules, with what it held (undefined: not there), in reading order. */
  consulted: { path: string; text: string | undefined }[];
  /** Removes what reading the input made (a context archive's unpacked copy); the caller calls it once the build is over. */
  release?: () => Promise<void>;
}

export interface BuildInputOptions {
  /** Context directory, or `-`. */
  context: string;
  /** -f: a path (relative to the current directory; to the archive's root for a context archive on stdin), `-`, or undefined for CONTEXT/Dockerfile. */
  file: string | undefined;
  /** Reads standard input, for `-` as context or file. */
  readStdin: () => Promise<Buffer>;
}

/** Sync: two or three small files before anything else can start. */
function readTextIfFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw err;
  }
}

/**
 * Docker's rules: the Dockerfile is CONTEXT/Dockerfile (or a lone lower-case `dockerfile`) unless -f
 * names one; `<Dockerfile>.dockerignore` next to it replaces CONTEXT/.dockerignore when it exists.
 */
export async function readBuildInput(options: BuildInputOptions): Promise<BuildInput> {
  if (options.context !== '-') return readContextInput(resolvePath(options.context), options);
  if (options.file === '-') throw new UserError("invalid argument: can't use stdin for both build context and dockerfile");
  const stdin = await options.readStdin();
  // As `docker build - < context.tar.gz`: an archive (plain or compressed tar) is the context, anything else the Dockerfile.
  if (!startsLikeArchive(stdin)) return { dockerfile: { text: stdin.toString('utf8'), name: 'Dockerfile' }, contextDir: undefined, ignore: undefined, consulted: [] };
  const contextDir = await mkdtemp(join(tmpdir(), 'tsbuild-stdin-context-'));
  const release = (): Promise<void> => rm(contextDir, { recursive: true, force: true });
  try {
    await extractArchive(stdin, contextDir);
    const file = options.file === undefined ? undefined : join(contextDir, options.file);
    return { ...(await readContextInput(contextDir, { ...options, context: '.', file })), release };
  } catch (err) {
    await release();
    throw err;
  }
}

/** The input of a context directory, its Dockerfile found by Docker's rules. */
async function readContextInput(contextDir: string, options: BuildInputOptions): Promise<BuildInput> {
  if (statSync(contextDir, { throwIfNoEntry: false })?.isDirectory() !== true) {
    throw new UserError(`unable to prepare context: path "${options.context}" not found`);
  }
  const consulted: BuildInput['consulted'] = [];
  const read = (path: string): string | undefined => {
    const text = readTextIfFile(path);
    consulted.push({ path, text });
    return text;
  };
  let dockerfile: BuildInput['dockerfile'] | undefined;
  let dockerfilePath: string | undefined;
  if (options.file === '-') {
    dockerfile = { text: (await options.readStdin()).toString('utf8'), name: 'Dockerfile' };
  } else {
    const candidates = options.file !== undefined ? [resolvePath(options.file)] : [join(contextDir, 'Dockerfile'), join(contextDir, 'dockerfile')];
    for (const candidate of candidates) {
      const text = read(candidate);
      if (text !== undefined) {
        dockerfilePath = candidate;
        dockerfile = { text, name: basename(candidate) };
        break;
      }
    }
    if (dockerfile === undefined) {
      throw new UserError(`failed to read dockerfile: open ${options.file ?? 'Dockerfile'}: no such file or directory`);
    }
  }
  const ownIgnore = dockerfilePath === undefined ? undefined : dockerignorePathFor(dockerfilePath);
  const ownIgnoreText = ownIgnore === undefined ? undefined : read(ownIgnore);
  if (ownIgnoreText !== undefined) return { dockerfile, contextDir, ignore: compileIgnoreFile(ownIgnoreText, basename(ownIgnore as string)), consulted };
  const contextIgnoreText = read(join(contextDir, '.dockerignore'));
  const ignore = contextIgnoreText === undefined ? undefined : compileIgnoreFile(contextIgnoreText, '.dockerignore');
  return { dockerfile, contextDir, ignore, consulted };
}

/** `name` as BuildKit names the file in its error: `.dockerignore` or `<Dockerfile name>.dockerignore`. */
function compileIgnoreFile(text: string, name: string): IgnoreRules {
  try {
    return compileIgnore(parseDockerignore(text));
  } catch (err) {
    throw new UserError(`failed parsing ${name}: ${(err as Error).message}`, { cause: err });
  }
}

/** One `-o` of a build: where the image goes besides the image store. */
export interface BuildOutput {
  type: 'image' | 'oci' | 'docker' | 'tar' | 'local';
  /** A path; `-` means standard output (tar kinds only). */
  dest: string | undefined;
  attrs: Record<string, string>;
  /** `name=` of an archive output (BuildKit's exporters' attribute); undefined: the build's -t tags. */
  names: ImageReference[] | undefined;
}

/**
 * Writes the built image to each `-o`: `oci`/`docker` as one tar that both OCI and docker-archive
 * readers take (`oci,tar=false` as an OCI layout directory), `tar` as the flattened rootfs, `local`
 * as a directory. `image` needs nothing more: the image store already holds it.
 */
export async function exportBuiltImage(engine: Engine, image: StoredImage, tags: ImageReference[], outputs: BuildOutput[], stdout: NodeJS.WritableStream): Promise<void> {
  for (const output of outputs) {
    if (output.type === 'image') continue;
    const archive = { manifestDigest: image.manifestDigest, refs: output.names ?? tags };
    // Loaded only for these outputs: the tar writers are not part of a plain build's start-up.
    const { exportImageTar, exportLocalDirectory, exportOciLayout, exportRootfsTar } = await import('./image/export.js');
    const dest = output.dest as string;
    if (output.type === 'local') {
      if (dest === '-') throw new UserError('-o type=local needs a directory, not -');
      await mkdir(dest, { recursive: true });
      await exportLocalDirectory(engine.images, image, dest);
      continue;
    }
    if (output.type === 'oci' && output.attrs['tar'] === 'false') {
      await exportOciLayout(engine.images, archive, dest);
      continue;
    }
    const out = dest === '-' ? stdout : createWriteStream(dest);
    const done = dest === '-' ? Promise.resolve() : finished(out);
    if (output.type === 'tar') await exportRootfsTar(engine.images, image, out, engine.paths.tmp, engine.config.sourceDateEpoch);
    else await exportImageTar(engine.images, archive, out);
    await done;
  }
}

export interface BuildRequest {
  input: BuildInput;
  tags: ImageReference[];
  buildArgs: ReadonlyMap<string, string>;
  target: string | undefined;
  noCache: boolean;
  noCacheFilter: string[];
  /** --label: added to the image's labels. */
  labels: ReadonlyMap<string, string>;
  platform: string | undefined;
  secrets: ReadonlyMap<string, Buffer>;
  /** --ssh agent sockets by id. */
  sshSockets: ReadonlyMap<string, string>;
  network: 'default' | 'none' | 'host';
  extraHosts: { host: string; ip: string }[];
  /** Entitlements (`security.insecure`, `network.host`). */
  allow: string[];
  explain: boolean;
  /** Work out why each step that runs missed the cache (progress that shows it); default true. */
  explainMisses?: boolean | undefined;
  /** Told what BuildKit's build checks found, before any step runs: a build that fails later still lists them. */
  onCheckWarnings?: ((warnings: CheckWarning[]) => void) | undefined;
  /** Collect what a later run needs to tell, without building, that it would give the same image (BuildResult.replay). */
  recordReplay?: boolean | undefined;
  /** Which tsbuild code runs (src/cli/code-identity.ts); when known, the Dockerfile's parse is kept for the next build. */
  codeIdentity?: string | undefined;
}

/**
 * What makes a later build of the same request come out the same, as far as this build can tell: then it
 * would take every step from the cache and name the same image (src/cli/build-replay.ts checks it).
 */
export interface ReplayFacts {
  /** The context, unchanged since before the build started. */
  context: ContextStats;
  /** Each image reference looked up in the store, and the stored image it named. */
  images: { ref: string; manifestDigest: string }[];
  /** The cache records of every step result used or made: a prune that takes one makes its step run again. */
  recordFiles: string[];
  /** The built image's blobs (manifest, config, layers) in the content store. */
  blobFiles: string[];
  /** The steps as a build taking all from the cache reports them, in this build's order: FROM an image runs, the others are cached. */
  steps: { id: string; name: string; cached: boolean }[];
}

export interface BuildResult {
  image: StoredImage;
  /** Steps that ran (not taken from the cache). */
  executed: number;
  /** Set when the request asked for it and a later run can be judged without building (no remote sources, the context settled). */
  replay: ReplayFacts | undefined;
}

/** `# check=error=true` and the checks found something: nothing is built. */
export class CheckViolationError extends UserError {
  constructor(readonly warnings: CheckWarning[]) {
    super(`lint violation found for rules: ${[...new Set(warnings.map((warning) => warning.rule))].join(', ')}`);
  }
}

function sourceRefOf(file: string, range: Range): SourceRef {
  return { file, line: range.start.line, column: range.start.column, endLine: range.end.line, endColumn: range.end.column };
}

/** The Dockerfile as an AST with the parser's warnings; the first error diagnostic fails the build, pointing at its place. */
function parseForBuild(input: BuildInput, cache?: ParseCache): { ast: Dockerfile; parserWarnings: Diagnostic[] } {
  const { ast, diagnostics } = parseDockerfileKept(input.dockerfile.text, input.dockerfile.name, cache);
  const error = diagnostics.find((d) => d.severity === 'error');
  if (error) {
    const message = error.hint === undefined ? error.message : `${error.message} (${error.hint})`;
    throw new DockerfileError(message, { sources: [sourceRefOf(input.dockerfile.name, error.range)] });
  }
  return { ast, parserWarnings: diagnostics };
}

/** What `build --check` found. */
export interface CheckOutcome {
  warnings: CheckWarning[];
  /** Planning or dispatching the stages failed (as the build would): `warnings` lack what dispatch finds. */
  error: TsbuildError | undefined;
}

/**
 * `build --check`: the build checks alone, nothing built. Stages are dispatched (every one without a
 * target, as BuildKit lints) to find undefined variables; a base image missing from the store does not fail
 * the check, its stages are just not judged for them.
 */
export async function checkBuildInput(engine: Engine, input: BuildInput, options: { buildArgs: ReadonlyMap<string, string>; target: string | undefined }): Promise<CheckOutcome> {
  const { ast, parserWarnings } = parseForBuild(input);
  const graphOptions = { target: options.target, buildArgs: Object.fromEntries(options.buildArgs), allStages: options.target === undefined };
  try {
    const { images } = await planWithBaseImages(ast, graphOptions, (ref) => storedImageConfig(engine, ref), (config) => config);
    const baseImages = new Map<string, ContainerConfig>();
    const unknownImages = new Set<string>();
    for (const [ref, config] of images) {
      if (config === undefined) unknownImages.add(ref);
      else baseImages.set(ref, config);
    }
    const graph = buildGraph(ast, { ...graphOptions, baseImages, unknownImages });
    return { warnings: runChecks(ast, graphOptions.buildArgs, parserWarnings, graph, input.ignore).warnings, error: undefined };
  } catch (err) {
    // As BuildKit's lint: the warnings the text alone gives, then the error.
    if (err instanceof TsbuildError) return { warnings: runChecks(ast, graphOptions.buildArgs, parserWarnings).warnings, error: err };
    throw err;
  }
}

/** The container config of a base image in the store; undefined when the store does not have it. */
async function storedImageConfig(engine: Engine, ref: string): Promise<ContainerConfig | undefined> {
  try {
    return (await resolveBaseImage(engine.images, ref)).config.config ?? {};
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** The image a stage chain starts from (FROM image at the bottom of FROM <stage>s), if any. */
function rootImageOf(plan: StagePlan, stage: number): string | undefined {
  let base = plan.stages[stage]?.base;
  while (base?.kind === 'stage') base = plan.stages[base.stage]?.base;
  return base?.kind === 'image' ? base.ref : undefined;
}

/** History of a stage as BuildKit's image carries it: the entries of the stages it is built on first. */
function stageHistory(plan: StagePlan, graph: InstructionGraph, stage: number): HistoryEntry[] {
  const own = graph.stages.find((s) => s.index === stage)?.history ?? [];
  const base = plan.stages[stage]?.base;
  return base?.kind === 'stage' ? [...stageHistory(plan, graph, base.stage), ...own] : own;
}

/** A graph step as the solver sees it: the node, and what each of its inputs is to it (aligned with `inputs`). */
interface StepPayload {
  node: StepNode;
  /** `previous`: the state it builds on; otherwise the result of the stage it reads. */
  inputRoles: { kind: GraphEdge['kind']; stage: number }[];
}

/** One vertex per graph node, its inputs being the nodes its edges come from. */
function verticesOf(graph: InstructionGraph, request: BuildRequest): Vertex<StepPayload>[] {
  const uncachedStages = new Set(request.noCacheFilter.map((name) => name.toLowerCase()));
  return graph.order.map((id) => {
    const node = graph.nodes.get(id) as StepNode;
    const edges = graph.edges.filter((edge) => edge.to === id);
    const stageName = graph.stages.find((s) => s.index === node.stage)?.displayName.toLowerCase() ?? '';
    const { step } = node;
    // Only FROM <image> is work worth showing (unpacking layers once); other sources and config are free.
    const fromImage = step.kind === 'source' && step.base.kind === 'image' ? step.base.ref : undefined;
    return {
      id,
      inputs: edges.map((edge) => edge.from),
      name: node.name,
      hidden: (step.kind === 'source' || step.kind === 'config') && fromImage === undefined,
      // Stages FROM the same image unpack it once.
      digest: fromImage === undefined ? undefined : `image ${fromImage}`,
      bypassCache: request.noCache ? 'cache disabled (--no-cache)' : uncachedStages.has(stageName) ? `cache disabled (--no-cache-filter ${stageName})` : undefined,
      payload: { node, inputRoles: edges.map((edge) => ({ kind: edge.kind, stage: (graph.nodes.get(edge.from) as StepNode).stage })) },
    };
  });
}

/** The ops behind the solver's Op: keys from stepKeyParts, work from executeStep. */
class StepOp implements Op<StepPayload, FsState> {
  constructor(
    private readonly deps: RunDeps,
    private readonly build: BuildInputs,
    private readonly cache: BuildCache,
    private readonly identity: (id: string) => string,
  ) {}

  async cacheKey(vertex: Vertex<StepPayload>, inputs: readonly FsState[]): Promise<string[] | undefined> {
    const { step } = vertex.payload.node;
    if (step.kind === 'source' || step.kind === 'config') return undefined;
    return pointingAtInstruction(vertex.payload.node, stepKeyParts(this.deps, this.build, step, stepInputsOf(vertex.payload, inputs)));
  }

  async exec(vertex: Vertex<StepPayload>, inputs: readonly FsState[], ctx: ExecContext): Promise<FsState> {
    const { node } = vertex.payload;
    const io = { onOutput: (stream: 'stdout' | 'stderr', data: Buffer) => ctx.log(stream, data), signal: ctx.signal };
    const lastResult = node.step.kind === 'copy' && node.step.from.kind === 'context' ? await this.cache.previousResult(this.identity(vertex.id)) : undefined;
    const work = executeStep(this.deps, this.build, node.step, { ...stepInputsOf(vertex.payload, inputs), lastResult }, io);
    if (node.step.kind === 'config') return work;
    if (node.step.kind !== 'source') return pointingAtInstruction(node, work);
    // A base image's snapshots are the image's; leased too, in case it is removed mid-build.
    const state = await work;
    await this.cache.hold(state);
    return state;
  }
}

function stepInputsOf(payload: StepPayload, inputs: readonly FsState[]): StepInputs {
  let previous: FsState | undefined;
  const stages = new Map<number, FsState>();
  payload.inputRoles.forEach((role, index) => {
    const result = inputs[index] as FsState;
    if (role.kind === 'previous') previous = result;
    else stages.set(role.stage, result);
  });
  return { previous, stages };
}

/** A failing step points at its instruction, so the CLI can show the Dockerfile lines. */
async function pointingAtInstruction<T>(node: StepNode, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof TsbuildError && err.sources.length === 0 && node.source) err.sources.push(node.source);
    throw err;
  }
}

/** The build cache as the solver's cache: a step is known by where it is in which Dockerfile. */
/** A step is known across builds by where it is in which Dockerfile. */
function stepIdentityOf(input: BuildInput): (id: string) => string {
  return (id) => `${input.contextDir ?? '-'}\0${input.dockerfile.name}\0${id}`;
}

function solveCacheOf(cache: BuildCache, deps: RunDeps, input: BuildInput): SolveCache<FsState> {
  const identity = stepIdentityOf(input);
  return {
    lookup: (parts) => cache.lookup(deps, parts),
    store: (id, parts, state) => cache.store(identity(id), parts, state),
    remember: (id, parts) => cache.remember(identity(id), parts),
    explainMiss: (id, parts) => cache.explainMiss(identity(id), parts),
  };
}

/**
 * `tsbuild build`: parse → plan the stages → resolve base images in the image store → build the graph
 * → run its steps with the ops → commit the image → tag. Logic lives in grammar/graph/ops; this only
 * composes them.
 */
export async function build(engine: Engine, request: BuildRequest, onEvent: (event: SolveEvent) => void, signal?: AbortSignal): Promise<BuildResult> {
  // Before any step reads the context: what changed after this is not what the build read (recordContextStats).
  const startedAt = BigInt(Date.now()) * 1_000_000n;
  checkPlatform(request.platform);
  const { ast, parserWarnings } = parseForBuild(request.input, request.codeIdentity === undefined ? undefined : { dir: engine.paths.parses, codeIdentity: request.codeIdentity });
  const graphOptions = { target: request.target, buildArgs: Object.fromEntries(request.buildArgs) };
  // ONBUILD triggers of the base images may need more stages and images: planning repeats until all are resolved.
  const { plan, images } = await planWithBaseImages(ast, graphOptions, (ref) => resolveBaseImage(engine.images, ref), (image) => image.config.config ?? {});
  const graph = buildGraph(ast, { ...graphOptions, baseImages: new Map([...images].map(([ref, image]) => [ref, image.config.config ?? {}])) });
  // After dispatch, as BuildKit: UndefinedVar needs the base images' Env, and `error=true` fails only once all is known.
  const checks = runChecks(ast, graphOptions.buildArgs, parserWarnings, graph, request.input.ignore);
  if (checks.failOnWarnings && checks.warnings.length > 0) throw new CheckViolationError(checks.warnings);
  request.onCheckWarnings?.(checks.warnings);
  const epoch = chooseEpoch(engine.config.sourceDateEpoch ?? graph.sourceDateEpoch, [...images.values()].map((image) => image.config));
  const contextDir = request.recordReplay === true && !readsRemoteSources(graph) ? request.input.contextDir : undefined;
  const stepOrder = new Set<string>();
  const observe = contextDir === undefined ? onEvent : (event: SolveEvent): void => {
    stepOrder.add(event.step);
    onEvent(event);
  };
  const sandbox = await openSandbox(engine);
  const deps: RunDeps = {
    snapshotter: sandbox.snapshotter,
    content: engine.content,
    mounter: { mount: mountAll, unmount },
    tmpDir: engine.paths.tmp,
    sourceDateEpoch: epoch,
    extraCaFile: engine.config.extraCaFile,
    executor: sandbox.executor,
    cacheMountDir: cacheMountsDir(engine),
    entitlements: { securityInsecure: request.allow.includes('security.insecure'), networkHost: request.allow.includes('network.host') },
    freshCacheMounts: request.noCache,
    stateChecksumDir: stateChecksumDir(engine),
  };
  const buildInputs: BuildInputs = {
    contextDir: request.input.contextDir,
    ignore: request.input.ignore,
    images,
    secrets: request.secrets,
    sshSockets: request.sshSockets,
    network: request.network,
    extraHosts: request.extraHosts,
    contentHash: ContentHashIndex.open(join(engine.paths.cache, 'contenthash')),
    seenContextStats: new Map(),
    // BuildKit's build arg for the hostname RUN steps see (testHostnameSpecifying).
    sandboxHostname: request.buildArgs.get('BUILDKIT_SANDBOX_HOSTNAME'),
  };

  // The cache lease keeps a concurrent `builder prune` off every result this build holds, until it ends.
  const cache = await BuildCache.open(buildCacheDir(engine), deps);
  try {
    const target = graph.stages.find((s) => s.index === graph.target) as GraphStage;
    const finalStep = target.steps[target.steps.length - 1] as string;
    const { results, executed } = await solve(verticesOf(graph, request), [finalStep], {
      op: new StepOp(deps, buildInputs, cache, stepIdentityOf(request.input)),
      cache: solveCacheOf(cache, deps, request.input),
      onEvent: observe,
      signal,
      explain: request.explain,
      explainMisses: request.explainMisses,
    });
    const final = results.get(finalStep) as FsState;
    const rootImage = rootImageOf(plan, graph.target);
    // The flush runs while the image is committed: only the tag has to wait for it.
    const synced = syncSnapshots(sandbox.snapshotter, engine.paths.snapshots);
    synced.catch(() => undefined); // awaited below, unless committing fails first
    const committed = await commitBuiltImage(engine.content, {
      base: rootImage === undefined ? undefined : images.get(rootImage)?.config,
      config: target.config,
      history: stageHistory(plan, graph, graph.target),
      layers: final.layers,
      epoch,
      labels: request.labels,
      author: target.author,
    });
    await synced;
    const image = await engine.images.add({ manifestDigest: committed.manifestDigest, id: committed.imageId }, request.tags);
    const contextStats = contextDir === undefined ? undefined : recordContextStats(contextDir, request.input.ignore, startedAt, buildInputs.seenContextStats);
    const replay: ReplayFacts | undefined = contextStats && {
      context: contextStats,
      images: [...images].map(([ref, resolved]) => ({ ref, manifestDigest: resolved.manifestDigest })),
      recordFiles: cache.usedRecordFiles(),
      blobFiles: [committed.manifestDigest, committed.imageId, ...final.layers.map((layer) => layer.descriptor.digest)].map((digest) => engine.content.blobPath(digest)),
      steps: [...stepOrder].map((id) => {
        const node = graph.nodes.get(id) as StepNode;
        return { id, name: node.name, cached: node.step.kind !== 'source' };
      }),
    };
    return { image, executed, replay };
  } finally {
    // Hashes learnt are kept even when the build fails: the next attempt need not read those files again.
    await cache.release();
    await buildInputs.contentHash.save();
  }
}

/**
 * Flushes the filesystem of the snapshots when this build (or an earlier one) committed some it has not
 * flushed yet, so what a tag names is on disk; a no-op build committed nothing and skips it.
 */
async function syncSnapshots(snapshotter: Snapshotter, snapshotsDir: string): Promise<void> {
  if (!(await snapshotter.hasUnsynced())) return;
  const syncStart = new Date();
  await syncFilesystem(snapshotsDir);
  await snapshotter.markSynced(syncStart);
}

/** ADD of a URL or git repository: whether the source changed is known only by asking its server. */
function readsRemoteSources(graph: InstructionGraph): boolean {
  return [...graph.nodes.values()].some(({ step }) => step.kind === 'copy' && step.sources.some((source) => source.content === undefined && isRemoteSource(source.path)));
}

/** The snapshotter and executor builds use (the sandbox's overlay-or-native choice and runc). */
async function openSandbox(engine: Engine): Promise<{ snapshotter: Snapshotter; executor: Executor }> {
  return { snapshotter: await openSnapshotter(engine.paths.snapshots), executor: new RuncExecutor({ root: engine.paths.root }) };
}
