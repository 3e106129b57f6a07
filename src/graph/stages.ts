// Stages of a Dockerfile and how they depend on each other: global ARGs, FROM references after
// expansion (an earlier stage, case-insensitive, or an image), COPY --from / RUN --mount from=,
// --target pruning, cycles named by stage. Phase one of two: the engine resolves `imageRefs` next.
import { parseMount, type ArgInstruction, type Dockerfile, type FromInstruction, type Instruction, type Range, type Word } from '../../grammar/index.js';
import { UserError, type SourceRef } from '../errors.js';
import { parseReference } from '../image/reference.js';
import { Digraph } from './graph.js';
import { defaultPlatform, parsePlatform, platformArgs } from './platform-args.js';
import { ArgScope, expandValue, literalFromValue } from './scope.js';
import { dockerfileError, sourceRef } from './source-ref.js';
import { closestMatch } from './suggest.js';
import { parseTriggers } from './triggers.js';
import type { BaseImageConfig, GraphOptions, InputRef, PlannedStage, StageBase, StagePlan } from './types.js';

export interface StageSource {
  from: FromInstruction;
  instructions: Instruction[];
}

/** The file cut at each FROM; everything before the first FROM must be ARG. */
export interface DockerfileLayout {
  globalArgs: ArgInstruction[];
  stages: StageSource[];
}

const stageNamePattern = /^[a-z][a-z0-9-_.]*$/i;

function splitStages(ast: Dockerfile): DockerfileLayout {
  const layout: DockerfileLayout = { globalArgs: [], stages: [] };
  for (const instruction of ast.instructions) {
    if (instruction.keyword === 'FROM') {
      layout.stages.push({ from: instruction, instructions: [] });
    } else if (layout.stages.length > 0) {
      (layout.stages[layout.stages.length - 1] as StageSource).instructions.push(instruction);
    } else if (instruction.keyword === 'ARG') {
      layout.globalArgs.push(instruction);
    } else {
      throw dockerfileError('no build stage in current context', ast.file, instruction.range);
    }
  }
  if (layout.stages.length === 0) {
    throw dockerfileError('dockerfile contains no stages to build', ast.file, wholeFile(ast));
  }
  return layout;
}

function wholeFile(ast: Dockerfile): Range {
  const first = ast.instructions[0]?.range.start ?? { line: 1, column: 1, offset: 0 };
  const last = ast.instructions[ast.instructions.length - 1]?.range.end ?? first;
  return { start: first, end: last };
}

/** Stage names as written, validated; reusing a name (case-insensitively) is an error. */
function stageNames(ast: Dockerfile, layout: DockerfileLayout): (string | undefined)[] {
  const seen = new Set<string>();
  return layout.stages.map(({ from }) => {
    const word = from.stageName;
    if (word === undefined) return undefined;
    if (!stageNamePattern.test(word.value)) {
      throw dockerfileError(
        `invalid name for build stage: ${JSON.stringify(word.value)}, name can't start with a number or contain symbols`,
        ast.file,
        word.range,
      );
    }
    const key = word.value.toLowerCase();
    if (seen.has(key)) {
      throw dockerfileError(`Duplicate stage name ${JSON.stringify(word.value)}, stage names should be unique`, ast.file, word.range);
    }
    seen.add(key);
    return word.value;
  });
}

function displayName(name: string | undefined, index: number): string {
  return name ?? `stage-${index}`;
}

/** Index of the target stage: `target` by name (case-insensitive), else the last stage. */
function targetIndex(names: (string | undefined)[], target: string | undefined): number {
  if (target === undefined || target === '') return names.length - 1;
  const index = names.findIndex((name) => name?.toLowerCase() === target.toLowerCase());
  if (index >= 0) return index;
  const suggestion = closestMatch(target, names.filter((n): n is string => n !== undefined));
  const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
  // An unknown --target has no place in the Dockerfile to point at: it is the user's flag that is wrong.
  throw new UserError(`target stage ${JSON.stringify(target)} could not be found${hint}`);
}

/**
 * The global ARG values: automatic platform args and TARGETSTAGE (overridable by --build-arg), then each
 * ARG before the first FROM (`--build-arg` > default expanded with the globals so far > automatic value).
 */
function resolveGlobalArgs(ast: Dockerfile, layout: DockerfileLayout, options: GraphOptions, targetStage: string): ArgScope {
  const buildArgs = options.buildArgs ?? {};
  const automatic = platformArgs(options.platform ?? defaultPlatform, targetStage);
  const scope = new ArgScope();
  for (const [name, value] of automatic) scope.declare(name, buildArgs[name] ?? value);
  for (const instruction of layout.globalArgs) {
    // Values on one ARG line are expanded with the args declared before that line.
    const before = (name: string): string | undefined => scope.get(name);
    const values = instruction.args.map((arg) => {
      const given = buildArgs[arg.name.value];
      if (given !== undefined) return given;
      if (arg.defaultValue !== undefined) return expandValue(arg.defaultValue, before, ast.file, ast.escape);
      return automatic.has(arg.name.value) ? scope.get(arg.name.value) : undefined;
    });
    instruction.args.forEach((arg, i) => scope.declare(arg.name.value, values[i]));
  }
  return scope;
}

/** How a name in FROM / --from / from= resolves: an earlier stage (by name or index) or an image. */
class StageResolver {
  constructor(
    private readonly file: string,
    private readonly names: (string | undefined)[],
  ) {}

  /** A stage named `name` anywhere in the file (later stages included, for cycle and order errors). */
  stageNamed(name: string): number | undefined {
    const index = this.names.findIndex((n) => n?.toLowerCase() === name.toLowerCase());
    if (index >= 0) return index;
    if (/^\d+$/.test(name) && Number(name) < this.names.length) return Number(name);
    return undefined;
  }

  /** FROM: only stages defined above count; anything else is an image reference. */
  base(name: string, current: number, word: Word): StageBase {
    const range = word.range;
    if (name === '') throw dockerfileError(`base name (${word.value}) should not be blank`, this.file, range);
    const index = this.names.findIndex((n) => n?.toLowerCase() === name.toLowerCase());
    if (index >= 0 && index < current) return { kind: 'stage', stage: index };
    if (name === 'scratch') return { kind: 'scratch' };
    return { kind: 'image', ref: this.imageRef(name, range) };
  }

  /** COPY --from / --mount from=: a stage above this one, a stage index, or an image. */
  input(name: string, current: number, range: Range): InputRef {
    const index = this.stageNamed(name);
    if (index === current) throw this.cycle(current, range);
    if (index !== undefined && index > current) {
      throw dockerfileError(
        `cannot copy from stage ${JSON.stringify(name)}, it needs to be defined before current stage ${JSON.stringify(displayName(this.names[current], current))}`,
        this.file,
        range,
      );
    }
    if (index !== undefined) return { kind: 'stage', stage: index };
    if (name === '') throw dockerfileError('--from requires a stage name or image reference', this.file, range);
    return { kind: 'image', ref: this.imageRef(name, range) };
  }

  cycle(stage: number, range: Range): Error {
    return dockerfileError(`circular dependency detected on stage: ${displayName(this.names[stage], stage)}`, this.file, range);
  }

  private imageRef(name: string, range: Range): string {
    try {
      parseReference(name);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw dockerfileError(`failed to parse stage name ${JSON.stringify(name)}: ${reason}`, this.file, range, err);
    }
    return name;
  }
}

/** A name a stage reads from, as written after expansion, and where. */
interface StageReference {
  name: string;
  range: Range;
}

/** The stages and images `--from` values name (COPY's as written, see literalFromValue; images are not resolved yet). */
function stageReferences(ast: Dockerfile, stage: StageSource, globals: ArgScope, buildArgs: GraphOptions['buildArgs']): StageReference[] {
  const args = new ArgScope();
  const lookup = (name: string): string | undefined => args.get(name);
  const references: StageReference[] = [];
  for (const instruction of stage.instructions) {
    if (instruction.keyword === 'ARG') {
      for (const arg of instruction.args) {
        const name = arg.name.value;
        const given = buildArgs?.[name];
        const fallback = arg.defaultValue === undefined ? globals.get(name) : expandValue(arg.defaultValue, lookup, ast.file, ast.escape);
        args.declare(name, given ?? fallback);
      }
    }
    if (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') {
      for (const flag of instruction.flags) {
        if (flag.name !== 'from' || flag.value === undefined) continue;
        const word = { value: flag.value, range: flag.valueRange ?? flag.range };
        references.push({ name: literalFromValue(word, ast.file, ast.escape), range: word.range });
      }
    }
    if (instruction.keyword === 'RUN') {
      for (const flag of instruction.flags) {
        const parsed = flag.name === 'mount' && flag.value !== undefined ? parseMount(flag.value) : undefined;
        const from = parsed?.ok === true && 'from' in parsed.mount ? parsed.mount.from : undefined;
        if (from !== undefined && !from.includes('$')) references.push({ name: from, range: flag.valueRange ?? flag.range });
      }
    }
  }
  return references;
}

interface ScannedStage {
  planned: PlannedStage;
  /** Image refs this stage reads besides its base. */
  images: string[];
  /** The stages and images it reads from, its base's ONBUILD triggers' included (at the FROM). */
  references: StageReference[];
}

/** Planning options; with the configs of the base images resolved so far, their ONBUILD triggers count too. */
export interface PlanOptions extends GraphOptions {
  baseImages?: ReadonlyMap<string, BaseImageConfig>;
}

/**
 * Phase one: stages, their dependencies after expansion, the target and what it needs. An ONBUILD trigger of a
 * base image can read from more stages and images (BuildKit's testOnBuildNewDeps): plan again with the configs
 * of the images resolved so far until `imageRefs` holds nothing new.
 */
export function planStages(ast: Dockerfile, options: PlanOptions = {}): StagePlan {
  return analyseStages(ast, options).plan;
}

/** What planning learns and dispatch needs again. */
export interface StageAnalysis {
  plan: StagePlan;
  layout: DockerfileLayout;
  globals: ArgScope;
  resolver: StageResolver;
}

export function analyseStages(ast: Dockerfile, options: PlanOptions = {}): StageAnalysis {
  const layout = splitStages(ast);
  const names = stageNames(ast, layout);
  const target = targetIndex(names, options.target);
  const globals = resolveGlobalArgs(ast, layout, options, names[target] ?? 'default');
  const resolver = new StageResolver(ast.file, names);
  const globalLookup = (name: string): string | undefined => globals.get(name);

  // A stage that fails to scan only matters if the target needs it: keep the error until then.
  const scanned: (ScannedStage | Error)[] = layout.stages.map((_, index) => {
    try {
      return scanStage(ast, layout, index, names, globals, globalLookup, resolver, options);
    } catch (err) {
      return err as Error;
    }
  });

  const digraph = new Digraph();
  scanned.forEach((_, i) => digraph.addNode(String(i)));
  scanned.forEach((entry, i) => {
    if (entry instanceof Error) return;
    for (const dep of entry.planned.dependsOn) digraph.addEdge(String(dep), String(i));
  });
  const reachable = options.allStages ? scanned.map((_, i) => i) : [...digraph.ancestors(String(target))].map(Number).sort((a, b) => a - b);
  const reachableSet = new Set(reachable);

  for (const index of reachable) {
    const entry = scanned[index];
    if (entry instanceof Error) throw entry;
  }
  const cycle = digraph
    .cycles()
    .map((ids) => ids.map(Number))
    .find((ids) => ids.some((id) => reachableSet.has(id)));
  if (cycle !== undefined) {
    const first = Math.min(...cycle);
    throw resolver.cycle(first, layout.stages[first]?.from.range as Range);
  }

  const stages = scanned.map((entry) => (entry instanceof Error ? undefined : entry));
  // Forward references are reported only now, so a cycle through them is named as a cycle first.
  for (const index of reachable) {
    for (const ref of (stages[index] as ScannedStage).references) resolver.input(ref.name, index, ref.range);
  }

  const imageRefs: string[] = [];
  for (const index of reachable) {
    const entry = stages[index] as ScannedStage;
    if (entry.planned.base.kind === 'image') imageRefs.push(entry.planned.base.ref);
    imageRefs.push(...entry.images);
  }
  const plan: StagePlan = {
    stages: stages.map((entry, index) => entry?.planned ?? unscannedStage(ast, layout, names, index)),
    target,
    reachable,
    imageRefs: [...new Set(imageRefs)],
  };
  return { plan, layout, globals, resolver };
}

function scanStage(
  ast: Dockerfile,
  layout: DockerfileLayout,
  index: number,
  names: (string | undefined)[],
  globals: ArgScope,
  globalLookup: (name: string) => string | undefined,
  resolver: StageResolver,
  options: PlanOptions,
): ScannedStage {
  const stage = layout.stages[index] as StageSource;
  const from = stage.from;
  const baseName = expandValue(from.image, globalLookup, ast.file, ast.escape);
  const base = resolver.base(baseName, index, from.image);
  const platform = fromPlatform(ast, from, globalLookup);
  const dependsOn = new Set<number>();
  if (base.kind === 'stage') dependsOn.add(base.stage);
  const images: string[] = [];
  const triggers = { from, instructions: baseTriggers(ast, layout, base, from, options) };
  const references = [
    ...stageReferences(ast, triggers, globals, options.buildArgs).map((ref) => ({ ...ref, range: from.range })),
    ...stageReferences(ast, stage, globals, options.buildArgs),
  ];
  for (const ref of references) {
    const stageIndex = resolver.stageNamed(ref.name);
    if (stageIndex !== undefined) {
      dependsOn.add(stageIndex);
    } else {
      const input = resolver.input(ref.name, index, ref.range);
      if (input.kind === 'image') images.push(input.ref);
    }
  }
  return {
    planned: {
      index,
      name: names[index],
      displayName: displayName(names[index], index),
      base,
      platform,
      dependsOn: [...dependsOn],
      source: sourceRef(ast.file, from.range),
    },
    images,
    references,
  };
}

/** The ONBUILD triggers that fire first in a stage: a base image's (once its config is known) or a base stage's. */
function baseTriggers(ast: Dockerfile, layout: DockerfileLayout, base: StageBase, from: FromInstruction, options: PlanOptions): Instruction[] {
  if (base.kind === 'image') return parseTriggers(options.baseImages?.get(base.ref), ast.file, from.range);
  if (base.kind === 'scratch') return [];
  return (layout.stages[base.stage] as StageSource).instructions.flatMap((instruction) => (instruction.keyword === 'ONBUILD' ? [instruction.trigger] : []));
}

/** FROM --platform, expanded with the global args and checked. */
function fromPlatform(ast: Dockerfile, from: FromInstruction, globalLookup: (name: string) => string | undefined): string | undefined {
  const flag = from.flags.find((f) => f.name === 'platform');
  if (flag === undefined) return undefined;
  const word = { value: flag.value ?? '', range: flag.valueRange ?? flag.range };
  const value = expandValue(word, globalLookup, ast.file, ast.escape);
  if (parsePlatform(value) === undefined) {
    throw dockerfileError(
      `failed to parse platform ${value}: ${JSON.stringify(value)}: unknown operating system or architecture: invalid argument`,
      ast.file,
      word.range,
    );
  }
  return value;
}

/** A stage the target does not need whose FROM could not be resolved: listed, never built. */
function unscannedStage(ast: Dockerfile, layout: DockerfileLayout, names: (string | undefined)[], index: number): PlannedStage {
  const from = (layout.stages[index] as StageSource).from;
  const source: SourceRef = sourceRef(ast.file, from.range);
  return { index, name: names[index], displayName: displayName(names[index], index), base: { kind: 'scratch' }, platform: undefined, dependsOn: [], source };
}
