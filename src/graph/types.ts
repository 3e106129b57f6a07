// The instruction graph: what a Dockerfile asks to be built, after variable resolution, as typed steps
// that the ops execute. Produced by planStages → (engine resolves base images) → buildGraph. Pure data.
import type { Instruction, MountSpec as ParsedMount, Range } from '../../grammar/index.js';
import type { SourceRef } from '../errors.js';
import type { ContainerConfig, HistoryEntry, Platform } from '../image/oci.js';
import type { ProxyEnv } from './proxy.js';

/** The config of a resolved base image as dispatch needs it (Env, WorkingDir, User, Shell, OnBuild…). */
export type BaseImageConfig = ContainerConfig;

export interface GraphOptions {
  /** Stage name (case-insensitive) or undefined for the last stage. */
  target?: string | undefined;
  /** `--build-arg` values; a key mapped to undefined means "take it from the environment" and is ignored here. */
  buildArgs?: Readonly<Record<string, string | undefined>>;
  /** Target platform (default linux/amd64); BUILDPLATFORM is the same here (no cross builds). */
  platform?: Platform;
  /** Plan and dispatch every stage, not only those the target needs: `build --check` without --target, as BuildKit lints. */
  allStages?: boolean;
}

export interface BuildGraphOptions extends GraphOptions {
  /** Image config per FROM / COPY --from image reference, as listed in StagePlan.imageRefs. Missing → empty config. */
  baseImages: ReadonlyMap<string, BaseImageConfig>;
  /**
   * Images whose config could not be read (`build --check` with an image not in the store): stages built on
   * them dispatch with an empty config and report no undefined variables, since the image could define any.
   */
  unknownImages?: ReadonlySet<string>;
}

/** Where a stage starts from. */
export type StageBase =
  | { kind: 'scratch' }
  | { kind: 'image'; ref: string }
  | { kind: 'stage'; stage: number };

export interface PlannedStage {
  index: number;
  /** As written after AS (case kept); undefined for unnamed stages. */
  name: string | undefined;
  /** `name` or `stage-<index>`, BuildKit's display name. */
  displayName: string;
  base: StageBase;
  /** FROM --platform after expansion, if given. */
  platform: string | undefined;
  /** Stages this one reads from (FROM, COPY --from, RUN --mount from=), by index, deduplicated. */
  dependsOn: number[];
  source: SourceRef;
}

export interface StagePlan {
  stages: PlannedStage[];
  /** Index of the stage that is built. */
  target: number;
  /** Indexes of the stages the target needs (itself included), in file order; every stage with `allStages`. */
  reachable: number[];
  /** Image references the reachable stages need (FROM images, COPY --from / --mount from= images), in first-use order. */
  imageRefs: string[];
}

/** An image or stage a copy or mount reads from; `context` is the build context. */
export type InputRef = { kind: 'context' } | { kind: 'stage'; stage: number } | { kind: 'image'; ref: string };

/**
 * One `--mount` of RUN: grammar's MountSpec (parsed after expansion) with the target made absolute against
 * WORKDIR and `from` resolved to a stage or image.
 */
export type MountSpec = ParsedMount extends infer M
  ? M extends { from: string | undefined }
    ? Omit<M, 'from'> & { from: InputRef | undefined }
    : M
  : never;

export interface SourceStep {
  kind: 'source';
  base: StageBase;
  platform: Platform;
}

export interface RunStep {
  kind: 'run';
  /** The argv to execute (shell prepended for shell form). */
  args: string[];
  /** KEY=VALUE: image env, ENV, and ARG values (ARG values are in the cache key, not in the image Env). */
  env: string[];
  /** Names of the `env` entries that come from ARG, so a cache miss can say "build arg X changed" (absent: none). */
  argNames?: string[];
  /** Proxy args (HTTP_PROXY…): passed to the process but never part of the cache key or history. */
  proxy: ProxyEnv | undefined;
  user: string;
  workdir: string;
  mounts: MountSpec[];
  network: 'default' | 'none' | 'host';
  security: 'sandbox' | 'insecure';
  /** Heredoc files the command needs, mounted read-only (a `#!` script heredoc runs from /dev/pipes/<name>). */
  files: { path: string; content: string; mode: number }[];
}

export interface CopySource {
  /** Path in the input (context or stage root), URL, or git ref as written after expansion. */
  path: string;
  /** Set for heredoc sources: the file body to create. */
  content?: string;
}

export interface CopyStep {
  kind: 'copy';
  instruction: 'COPY' | 'ADD';
  from: InputRef;
  sources: CopySource[];
  /** Absolute destination; a trailing `/` (kept) means "into this directory". */
  destination: string;
  chown: string | undefined;
  chmod: string | undefined;
  link: boolean;
  exclude: string[];
  parents: boolean;
  /** ADD only. */
  checksum: string | undefined;
  keepGitDir: boolean;
  /** ADD: undefined = default (local archives unpacked, URLs not). */
  unpack: boolean | undefined;
  /** The user the step runs as (owner lookups use the target rootfs). */
  user: string;
}

export interface MkdirStep {
  kind: 'mkdir';
  path: string;
  /** Created owned by this user (resolved in the rootfs). */
  user: string;
}

/** A config-only instruction: the fields below replace the stage config's fields of the same name. */
export interface ConfigStep {
  kind: 'config';
  patch: ContainerConfig;
  /** MAINTAINER sets the image's author (outside the container config). */
  author?: string;
}

export type Step = SourceStep | RunStep | CopyStep | MkdirStep | ConfigStep;

export interface StepNode {
  /** `s<stage>.<n>` — unique within the graph, stable for the same Dockerfile. */
  id: string;
  stage: number;
  /** BuildKit's progress name, e.g. `[build 2/4] RUN make`. */
  name: string;
  step: Step;
  /** History entry this step adds to the image (sources add none). */
  history: HistoryEntry | undefined;
  source: SourceRef | undefined;
}

export interface GraphStage {
  index: number;
  name: string | undefined;
  displayName: string;
  /** Step ids in order: the stage's source step first. */
  steps: string[];
  /** The stage's image config after all its instructions (base config included). */
  config: ContainerConfig;
  /** History entries this stage adds (base image history excluded). */
  history: HistoryEntry[];
  /** MAINTAINER of this stage, else inherited from a stage it is built on. */
  author: string | undefined;
  platform: Platform;
  /** The base image's ONBUILD triggers, run first in this stage; BuildKit checks them at the FROM that fired them. */
  triggers: Instruction[];
  /** Whether the config the stage starts from (base image or stage) has a SHELL, which JSONArgsRecommended minds. */
  startsWithShell: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** Why `from` is an input of `to`. */
  kind: 'previous' | 'base' | 'copy-from' | 'mount-from';
}

export interface InstructionGraph {
  /** Reachable stages only. */
  stages: GraphStage[];
  target: number;
  nodes: Map<string, StepNode>;
  edges: GraphEdge[];
  /** Node ids in an order where every input comes before its consumers. */
  order: string[];
  /** SOURCE_DATE_EPOCH build arg in seconds (undefined when unset or `context`-deferred). */
  sourceDateEpoch: number | undefined;
  /** Variables the dispatched stages used undefined, in dispatch order (BuildKit's UndefinedVar check). */
  undefinedVars: UndefinedVarUse[];
}

/**
 * A variable that a word BuildKit expands (not RUN/CMD/ENTRYPOINT shell text) used where no ENV, ARG
 * declaration or base image Env defined it. One per name per expanded word, as BuildKit reports them.
 */
export interface UndefinedVarUse {
  name: string;
  /** The closest name the stage does define (case-sensitive, within 2 edits), for "did you mean". */
  suggestion: string | undefined;
  /** The instruction's range; for an ONBUILD trigger of the base, the FROM that fired it. */
  range: Range;
  /** The comments above the instruction (none for a trigger): a `# check=skip=UndefinedVar` there silences it. */
  comments: readonly string[];
}
