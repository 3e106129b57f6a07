// Phase two: with the base images' configs resolved, dispatch every stage the target needs into steps,
// connect them ("is an input of") and order them. Pure: the engine supplies the configs.
import type { Dockerfile, Instruction, Range } from '../../grammar/index.js';
import type { ContainerConfig, HistoryEntry } from '../image/oci.js';
import { dispatchInstruction, defaultPath, StageState, type DispatchContext } from './dispatch.js';
import { getEnv, setEnv } from './env-list.js';
import { Digraph } from './graph.js';
import { defaultPlatform, parsePlatform } from './platform-args.js';
import { proxyEnvFrom } from './proxy.js';
import { parseSourceDateEpoch, SourceDateEpochError } from './source-date-epoch.js';
import { dockerfileError, sourceRef } from './source-ref.js';
import { analyseStages, type StageAnalysis, type StageSource } from './stages.js';
import { stepText } from './step-names.js';
import { parseTriggers } from './triggers.js';
import type { BuildGraphOptions, GraphEdge, GraphStage, InputRef, InstructionGraph, PlannedStage, Step, StepNode, UndefinedVarUse } from './types.js';

export function buildGraph(ast: Dockerfile, options: BuildGraphOptions): InstructionGraph {
  const analysis = analyseStages(ast, options);
  requireTriggerImages(ast, analysis, options);
  const { plan, layout, globals, resolver } = analysis;
  const buildArgs = options.buildArgs ?? {};
  const built = new Map<number, GraphStage>();
  /** Each dispatched stage's state at its end, for the stages built FROM it. */
  const finalStates = new Map<number, StageState>();
  const nodes = new Map<string, StepNode>();
  const edges: GraphEdge[] = [];
  const undefinedVars: UndefinedVarUse[] = [];
  /** Stages on an image whose config is unknown: what they define cannot be known, so nothing is undefined. */
  const unjudged = new Set<number>();

  const naming: StageNaming[] = [];
  for (const index of plan.reachable) {
    const planned = plan.stages[index] as PlannedStage;
    const stageSource = layout.stages[index] as StageSource;
    const resolveInput = (name: string, range: Range): InputRef => {
      const input = resolver.input(name, index, range);
      if (input.kind === 'stage' && !built.has(input.stage)) {
        throw dockerfileError(`stage ${JSON.stringify(name)} is not part of this build`, ast.file, range);
      }
      return input;
    };
    const ctx: DispatchContext = { file: ast.file, escape: ast.escape, buildArgs, globals, proxy: proxyEnvFrom(buildArgs), resolveInput };
    const stage = dispatchStage(ast, planned, stageSource, ctx, built, finalStates, options);
    built.set(index, stage.graphStage);
    finalStates.set(index, stage.state);
    for (const node of stage.nodes) nodes.set(node.id, node);
    edges.push(...stage.edges);
    naming.push(stage.naming);
    const base = planned.base;
    if ((base.kind === 'image' && options.unknownImages?.has(base.ref)) || (base.kind === 'stage' && unjudged.has(base.stage))) unjudged.add(index);
    else undefinedVars.push(...stage.undefinedVars);
  }
  // BuildKit drops the stage from step names when the build has a single stage and no implicit image stage
  // (a COPY --from or --mount from= naming an image counts as one).
  const singleStage = plan.stages.length === 1 && !naming.some((n) => n.usesImage);
  for (const stageNaming of naming) nameSteps(stageNaming, singleStage ? '' : stageNaming.stageName);

  const digraph = new Digraph();
  for (const id of nodes.keys()) digraph.addNode(id);
  for (const edge of edges) digraph.addEdge(edge.from, edge.to);
  return {
    stages: [...built.values()],
    target: plan.target,
    nodes,
    edges,
    order: digraph.topologicalOrder(),
    sourceDateEpoch: sourceDateEpoch(ast, buildArgs['SOURCE_DATE_EPOCH'] ?? globals.get('SOURCE_DATE_EPOCH'), plan.stages),
    undefinedVars,
  };
}

/**
 * The images that base images' ONBUILD triggers read from are known only from those images' configs: the
 * engine plans again with them (planStages) until nothing new appears. One still missing here was skipped.
 */
function requireTriggerImages(ast: Dockerfile, { plan, layout }: StageAnalysis, options: BuildGraphOptions): void {
  const plannedWithoutTriggers = new Set(analyseStages(ast, { ...options, baseImages: undefined }).plan.imageRefs);
  const missing = plan.imageRefs.find((ref) => !plannedWithoutTriggers.has(ref) && !options.baseImages.has(ref) && !options.unknownImages?.has(ref));
  if (missing === undefined) return;
  const firing = plan.reachable.find((index) => {
    const base = plan.stages[index]?.base;
    return base?.kind === 'image' && (options.baseImages.get(base.ref)?.OnBuild?.length ?? 0) > 0;
  });
  const from = (layout.stages[firing ?? plan.target] as StageSource).from;
  throw dockerfileError(`image ${JSON.stringify(missing)}, read by an ONBUILD trigger, was not resolved before the build`, ast.file, from.range);
}

function sourceDateEpoch(ast: Dockerfile, value: string | undefined, stages: PlannedStage[]): number | undefined {
  if (value === undefined) return undefined;
  try {
    const epoch = parseSourceDateEpoch(value, stages.flatMap((s) => (s.name === undefined ? [] : [s.name])));
    return epoch?.kind === 'seconds' ? epoch.seconds : undefined;
  } catch (err) {
    if (err instanceof SourceDateEpochError) {
      const first = ast.instructions[0]?.range ?? { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };
      throw dockerfileError(err.message, ast.file, first, err);
    }
    throw err;
  }
}

interface DispatchedStage {
  graphStage: GraphStage;
  nodes: StepNode[];
  edges: GraphEdge[];
  naming: StageNaming;
  undefinedVars: UndefinedVarUse[];
  state: StageState;
}

/** What a stage's progress names are made from, once the whole build is known. */
interface StageNaming {
  stageName: string;
  nodes: StepNode[];
  /** BuildKit's step total: FROM an image, every RUN/COPY/ADD/WORKDIR (even `WORKDIR /`), every ONBUILD trigger. */
  total: number;
  /** Nodes made by ONBUILD triggers, named `[… i/n] ONBUILD …`. */
  triggered: Set<StepNode>;
  usesImage: boolean;
}

const countedKeywords = new Set(['RUN', 'COPY', 'ADD', 'WORKDIR']);

/** The config a stage starts from: scratch's defaults, the base image's config, or a stage's result. */
function initialConfig(planned: PlannedStage, built: Map<number, GraphStage>, options: BuildGraphOptions): { config: ContainerConfig; author: string | undefined } {
  const base = planned.base;
  let config: ContainerConfig;
  let author: string | undefined;
  if (base.kind === 'scratch') config = { WorkingDir: '/' };
  else if (base.kind === 'image') config = structuredClone(options.baseImages.get(base.ref) ?? {});
  else {
    const parent = built.get(base.stage) as GraphStage;
    config = structuredClone(parent.config);
    author = parent.author;
  }
  // Linux stages always have a PATH, as BuildKit adds its default when the base has none.
  if (getEnv(config.Env ?? [], 'PATH') === undefined) config.Env = setEnv(config.Env ?? [], 'PATH', defaultPath);
  return { config, author };
}

function dispatchStage(
  ast: Dockerfile,
  planned: PlannedStage,
  stageSource: StageSource,
  ctx: DispatchContext,
  built: Map<number, GraphStage>,
  finalStates: Map<number, StageState>,
  options: BuildGraphOptions,
): DispatchedStage {
  const { config, author } = initialConfig(planned, built, options);
  // ONBUILD triggers fire once, in the first stage built on the image, and are not inherited further.
  const triggers = parseTriggers(config, ast.file, stageSource.from.range);
  delete config.OnBuild;
  const startsWithShell = (config.Shell?.length ?? 0) > 0;
  const state = new StageState(config, author, planned.base.kind === 'stage' ? finalStates.get(planned.base.stage) : undefined);
  const platform = (planned.platform === undefined ? undefined : parsePlatform(planned.platform)) ?? options.platform ?? defaultPlatform;
  const prefix = `s${planned.index}`;
  const fromSource = sourceRef(ast.file, stageSource.from.range);

  const nodes: StepNode[] = [];
  const edges: GraphEdge[] = [];
  const history: HistoryEntry[] = [];
  const undefinedVars: UndefinedVarUse[] = [];
  const sourceStep: Step = { kind: 'source', base: planned.base, platform };
  const sourceNode: StepNode = {
    id: `${prefix}.0`,
    stage: planned.index,
    name: stepText(stageSource.from, sourceStep, state.lookup, ast.escape),
    step: sourceStep,
    history: undefined,
    source: fromSource,
  };
  nodes.push(sourceNode);
  if (planned.base.kind === 'stage') edges.push({ from: lastStep(built, planned.base.stage), to: sourceNode.id, kind: 'base' });

  const instructions: { instruction: Instruction; range: Range }[] = [
    ...triggers.map((instruction) => ({ instruction, range: stageSource.from.range })),
    ...stageSource.instructions.map((instruction) => ({ instruction, range: instruction.range })),
  ];
  const naming: StageNaming = {
    stageName: planned.displayName,
    nodes,
    total: (planned.base.kind === 'image' ? 1 : 0) + triggers.length + stageSource.instructions.filter((i) => countedKeywords.has(i.keyword)).length,
    triggered: new Set(),
    usesImage: false,
  };
  for (const [position, { instruction, range }] of instructions.entries()) {
    const dispatched = dispatchInstruction(instruction, state, ctx);
    for (const use of dispatched.undefinedVars) undefinedVars.push({ ...use, range, comments: instruction.comments });
    if (dispatched.inputs.some(({ input }) => input.kind === 'image')) naming.usesImage = true;
    if (dispatched.history !== undefined) history.push(dispatched.history);
    if (dispatched.step === undefined) continue;
    const node: StepNode = {
      id: `${prefix}.${nodes.length}`,
      stage: planned.index,
      name: stepText(instruction, dispatched.step, state.lookup, ast.escape),
      step: dispatched.step,
      history: dispatched.history,
      source: sourceRef(ast.file, range),
    };
    edges.push({ from: (nodes[nodes.length - 1] as StepNode).id, to: node.id, kind: 'previous' });
    for (const { input, kind } of dispatched.inputs) {
      if (input.kind === 'stage') edges.push({ from: lastStep(built, input.stage), to: node.id, kind });
    }
    nodes.push(node);
    if (position < triggers.length) naming.triggered.add(node);
  }
  return {
    graphStage: {
      index: planned.index,
      name: planned.name,
      displayName: planned.displayName,
      steps: nodes.map((n) => n.id),
      config: state.config,
      history,
      author: state.author,
      platform,
      triggers,
      startsWithShell,
    },
    nodes,
    edges,
    naming,
    undefinedVars,
    state,
  };
}

function lastStep(built: Map<number, GraphStage>, stage: number): string {
  const steps = (built.get(stage) as GraphStage).steps;
  return steps[steps.length - 1] as string;
}

/**
 * BuildKit's progress names: `[stage i/n] INSTRUCTION` (`[i/n] …` without a stage name), i counting the
 * steps that make an op (FROM an image, RUN, COPY/ADD, WORKDIR other than `/`) and padded to the width of
 * n; config-only instructions and FROM scratch/stage, which make no op, are named `[stage] …`.
 */
function nameSteps(naming: StageNaming, stageName: string): void {
  const width = String(naming.total).length;
  let index = 0;
  for (const node of naming.nodes) {
    const makesOp = node.step.kind !== 'config' && !(node.step.kind === 'source' && node.step.base.kind !== 'image');
    const text = naming.triggered.has(node) ? `ONBUILD ${node.name}` : node.name;
    if (!makesOp) {
      node.name = stageName === '' ? text : `[${stageName}] ${text}`;
      continue;
    }
    index += 1;
    const counter = `${String(index).padStart(width)}/${naming.total}`;
    node.name = `[${stageName === '' ? '' : `${stageName} `}${counter}] ${text}`;
  }
}
