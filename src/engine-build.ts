// The build composition behind `tsbuild build`: Dockerfile → graph → ops on the sandbox → image and tags.
// Kept apart from engine.ts so commands that do not build never load the parser (chevrotain costs ~0.4 s to import).
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve as resolvePath } from 'node:path';
import { finished } from 'node:stream/promises';
import { ContentHashIndex } from '../cache/index.js';
import { compileIgnore, dockerignorePathFor, parseDockerfile, parseDockerignore, type Dockerfile, type IgnoreMatcher, type Range } from '../grammar/index.js';
import { DockerfileError, InternalError, TsbuildError, UserError, type SourceRef } from './errors.js';
import type { Executor } from './executor/executor.js';
import { RuncExecutor } from './executor/runc.js';
import { buildGraph, planStages, type GraphStage, type InstructionGraph, type StagePlan, type StepNode } from './graph/index.js';
import type { HistoryEntry } from './image/oci.js';
import type { FsState } from './ops/fs-state.js';
import { chooseEpoch, commitBuiltImage } from './ops/image-result.js';
import type { RunDeps } from './ops/run.js';
import { checkPlatform, resolveBaseImage, type BaseImage } from './ops/source.js';
import { StepCache } from './ops/step-cache.js';
import { executeStep, stepKeyParts, type BuildInputs, type StepInputs } from './ops/steps.js';
import { mountAll, unmount } from './snapshot/mount.js';
import { openSnapshotter } from './snapshot/open-snapshotter.js';
import type { Snapshotter } from './snapshot/snapshotter.js';
import { exportImageTar, exportLocalDirectory, exportOciLayout, exportRootfsTar } from './image/export.js';
import type { ImageReference } from './image/reference.js';
import type { StoredImage } from './image/store.js';
import type { Engine } from './engine.js';

/** The Dockerfile, the context directory and its ignore rules, as a build starts with them. */
export interface BuildInput {
  dockerfile: { text: string; name: string };
  /** Undefined when the context is `-` (a Dockerfile on stdin and no files to copy). */
  contextDir: string | undefined;
  ignore: IgnoreMatcher | undefined;
}

export interface BuildInputOptions {
  /** Context directory, or `-`. */
  context: string;
  /** -f: a path (relative to the current directory), `-`, or undefined for CONTEXT/Dockerfile. */
  file: string | undefined;
  /** Reads standard input, for `-` as context or file. */
  readStdin: () => Promise<string>;
}

async function readTextIfFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
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
  if (options.context === '-') {
    return { dockerfile: { text: await options.readStdin(), name: 'Dockerfile' }, contextDir: undefined, ignore: undefined };
  }
  const contextDir = resolvePath(options.context);
  if (!(await stat(contextDir).then((s) => s.isDirectory(), () => false))) {
    throw new UserError(`unable to prepare context: path "${options.context}" not found`);
  }
  let dockerfile: BuildInput['dockerfile'] | undefined;
  let dockerfilePath: string | undefined;
  if (options.file === '-') {
    dockerfile = { text: await options.readStdin(), name: 'Dockerfile' };
  } else {
    const candidates = options.file !== undefined ? [resolvePath(options.file)] : [join(contextDir, 'Dockerfile'), join(contextDir, 'dockerfile')];
    for (const candidate of candidates) {
      const text = await readTextIfFile(candidate);
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
  const ignoreText =
    (dockerfilePath === undefined ? undefined : await readTextIfFile(dockerignorePathFor(dockerfilePath))) ??
    (await readTextIfFile(join(contextDir, '.dockerignore')));
  const ignore = ignoreText === undefined ? undefined : compileIgnoreFile(ignoreText);
  return { dockerfile, contextDir, ignore };
}

function compileIgnoreFile(text: string): IgnoreMatcher {
  try {
    return compileIgnore(parseDockerignore(text));
  } catch (err) {
    throw new UserError(`failed to parse .dockerignore: ${(err as Error).message}`, { cause: err });
  }
}

/** One `-o` of a build: where the image goes besides the image store. */
export interface BuildOutput {
  type: 'image' | 'oci' | 'docker' | 'tar' | 'local';
  /** A path; `-` means standard output (tar kinds only). */
  dest: string | undefined;
  attrs: Record<string, string>;
}

/**
 * Writes the built image to each `-o`: `oci`/`docker` as one tar that both OCI and docker-archive
 * readers take (`oci,tar=false` as an OCI layout directory), `tar` as the flattened rootfs, `local`
 * as a directory. `image` needs nothing more: the image store already holds it.
 */
export async function exportBuiltImage(engine: Engine, image: StoredImage, tags: ImageReference[], outputs: BuildOutput[], stdout: NodeJS.WritableStream): Promise<void> {
  const archive = { manifestDigest: image.manifestDigest, refs: tags };
  for (const output of outputs) {
    if (output.type === 'image') continue;
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

/** What a build reports while it runs; the CLI renders it (src/cli/progress.ts). */
export type BuildEvent =
  | { type: 'started'; step: string; name: string; time: number }
  /** Why the step runs (a cache miss explained), e.g. `file src/app.js changed`. */
  | { type: 'running'; step: string; reason: string }
  | { type: 'cached'; step: string; name: string }
  /** --explain: the named parts of the step's cache key. */
  | { type: 'explain'; step: string; parts: string[] }
  | { type: 'log'; step: string; stream: 'stdout' | 'stderr'; data: string | Uint8Array; time: number }
  | { type: 'done'; step: string; time: number }
  | { type: 'failed'; step: string; time: number; message: string };

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
  /** Entitlements (`security.insecure`). */
  allow: string[];
  explain: boolean;
}

export interface BuildResult {
  image: StoredImage;
  /** Steps that ran (not taken from the cache). */
  executed: number;
}

function sourceRefOf(file: string, range: Range): SourceRef {
  return { file, line: range.start.line, column: range.start.column, endLine: range.end.line, endColumn: range.end.column };
}

/** The Dockerfile as an AST; the first error diagnostic fails the build, pointing at its place. */
function parseForBuild(input: BuildInput): Dockerfile {
  const { ast, diagnostics } = parseDockerfile(input.dockerfile.text, { file: input.dockerfile.name });
  const error = diagnostics.find((d) => d.severity === 'error');
  if (error) {
    const message = error.hint === undefined ? error.message : `${error.message} (${error.hint})`;
    throw new DockerfileError(message, { sources: [sourceRefOf(input.dockerfile.name, error.range)] });
  }
  return ast;
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

/** The inputs of a node from the results of the nodes before it (graph edges say which are which). */
function inputsOf(graph: InstructionGraph, nodeId: string, results: ReadonlyMap<string, FsState>): StepInputs {
  let previous: FsState | undefined;
  const stages = new Map<number, FsState>();
  for (const edge of graph.edges) {
    if (edge.to !== nodeId) continue;
    const result = results.get(edge.from);
    if (!result) throw new InternalError(`step ${edge.from} has no result before ${nodeId}`);
    if (edge.kind === 'previous') previous = result;
    else stages.set((graph.nodes.get(edge.from) as StepNode).stage, result);
  }
  return { previous, stages };
}

/**
 * `tsbuild build`: parse → plan the stages → resolve base images in the image store → build the graph
 * → run its steps with the ops → commit the image → tag. Logic lives in grammar/graph/ops; this only
 * composes them.
 */
export async function build(engine: Engine, request: BuildRequest, onEvent: (event: BuildEvent) => void, signal?: AbortSignal): Promise<BuildResult> {
  checkPlatform(request.platform);
  const ast = parseForBuild(request.input);
  const graphOptions = { target: request.target, buildArgs: Object.fromEntries(request.buildArgs) };
  const plan = planStages(ast, graphOptions);
  const images = new Map<string, BaseImage>();
  for (const ref of plan.imageRefs) images.set(ref, await resolveBaseImage(engine.images, ref));
  const graph = buildGraph(ast, { ...graphOptions, baseImages: new Map([...images].map(([ref, image]) => [ref, image.config.config ?? {}])) });
  const epoch = chooseEpoch(engine.config.sourceDateEpoch ?? graph.sourceDateEpoch, [...images.values()].map((image) => image.config));
  const sandbox = await openSandbox(engine);
  const deps: RunDeps = {
    snapshotter: sandbox.snapshotter,
    content: engine.content,
    mounter: { mount: mountAll, unmount },
    tmpDir: engine.paths.tmp,
    sourceDateEpoch: epoch,
    executor: sandbox.executor,
    cacheMountDir: join(engine.paths.cache, 'mounts'),
    entitlements: { securityInsecure: request.allow.includes('security.insecure') },
    freshCacheMounts: request.noCache,
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
  };

  const results = new Map<string, FsState>();
  const cache = new StepCache(join(engine.paths.cache, 'steps'));
  const uncachedStages = new Set(request.noCacheFilter.map((name) => name.toLowerCase()));
  let executed = 0;
  for (const id of graph.order) {
    signal?.throwIfAborted();
    const node = graph.nodes.get(id) as StepNode;
    const inputs = inputsOf(graph, id, results);
    const step = node.step;
    const io = { onOutput: (stream: 'stdout' | 'stderr', data: Buffer) => onEvent({ type: 'log', step: id, stream, data, time: Date.now() }), signal };
    if (step.kind === 'source' || step.kind === 'config') {
      // Only FROM <image> is work worth showing (unpacking layers once); other sources and config are free.
      const shown = step.kind === 'source' && step.base.kind === 'image';
      if (shown) onEvent({ type: 'started', step: id, name: node.name, time: Date.now() });
      results.set(id, await executeStep(deps, buildInputs, step, inputs, io));
      if (shown) onEvent({ type: 'done', step: id, time: Date.now() });
      continue;
    }
    const stageName = graph.stages.find((s) => s.index === node.stage)?.displayName.toLowerCase() ?? '';
    const useCache = !request.noCache && !uncachedStages.has(stageName);
    // A step is known by where it is in which Dockerfile, so its next miss can be explained against this run.
    const identity = `${request.input.contextDir ?? '-'}\0${request.input.dockerfile.name}\0${id}`;
    let started = false;
    try {
      const parts = await stepKeyParts(deps, buildInputs, step, inputs);
      const cached = useCache ? await cache.lookup(deps, parts) : undefined;
      if (cached) {
        await cache.remember(identity, parts);
        onEvent({ type: 'cached', step: id, name: node.name });
        if (request.explain) onEvent({ type: 'explain', step: id, parts });
        results.set(id, cached);
        continue;
      }
      onEvent({ type: 'started', step: id, name: node.name, time: Date.now() });
      started = true;
      if (request.explain) onEvent({ type: 'explain', step: id, parts });
      onEvent({ type: 'running', step: id, reason: useCache ? await cache.explainMiss(identity, parts) : 'cache disabled (--no-cache)' });
      const state = await executeStep(deps, buildInputs, step, inputs, io);
      await cache.store(identity, parts, state);
      results.set(id, state);
    } catch (err) {
      // Failing before it ran (a missing COPY source, an unknown user) still shows as that step.
      if (!started) onEvent({ type: 'started', step: id, name: node.name, time: Date.now() });
      onEvent({ type: 'failed', step: id, time: Date.now(), message: (err as Error).message });
      // A failing step points at its instruction, so the CLI can show the Dockerfile lines.
      if (err instanceof TsbuildError && err.sources.length === 0 && node.source) err.sources.push(node.source);
      throw err;
    }
    executed++;
    onEvent({ type: 'done', step: id, time: Date.now() });
  }

  await buildInputs.contentHash.save();
  const target = graph.stages.find((s) => s.index === graph.target) as GraphStage;
  const final = results.get(target.steps[target.steps.length - 1] as string) as FsState;
  const rootImage = rootImageOf(plan, graph.target);
  const committed = await commitBuiltImage(engine.content, {
    base: rootImage === undefined ? undefined : images.get(rootImage)?.config,
    config: target.config,
    history: stageHistory(plan, graph, graph.target),
    layers: final.layers,
    epoch,
    labels: request.labels,
    author: target.author,
  });
  const image = await engine.images.add({ manifestDigest: committed.manifestDigest, id: committed.imageId }, request.tags);
  return { image, executed };
}

/** The snapshotter and executor builds use (the sandbox's overlay-or-native choice and runc). */
async function openSandbox(engine: Engine): Promise<{ snapshotter: Snapshotter; executor: Executor }> {
  return { snapshotter: await openSnapshotter(engine.paths.snapshots), executor: new RuncExecutor({ root: engine.paths.root }) };
}
