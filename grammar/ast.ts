// The Dockerfile AST: one node per instruction, a Range on every node (keyword, each flag name and
// value, each argument, each heredoc body). Values are kept as written (after line continuations are
// joined, before any variable expansion): meaning (ARG/ENV resolution, WORKDIR) belongs to src/graph.

/** 1-based line and column, 0-based UTF-16 offset into the original text. */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

/** start inclusive, end exclusive. A range may span several physical lines (continuations). */
export interface Range {
  start: Position;
  end: Position;
}

/** A word or argument as written. For exec-form (JSON) elements `value` is the decoded JSON string. */
export interface Word {
  value: string;
  range: Range;
}

/** `--name=value` or bare `--name`. `name` is without the leading dashes. */
export interface Flag {
  name: string;
  value: string | undefined;
  range: Range;
  nameRange: Range;
  valueRange: Range | undefined;
}

export interface Heredoc {
  /** The delimiter word with quotes removed (`<<"EOF"` → `EOF`). */
  name: string;
  /** The body as written, one "\n" after each line, not chomped (chomp is applied by consumers). */
  content: string;
  /** False when any part of the delimiter word was quoted: the body is then not expanded. */
  expand: boolean;
  /** `<<-EOF`: leading tabs are to be removed from each line. */
  chomp: boolean;
  /** `3<<EOF` → 3; absent when not given. */
  fileDescriptor: number | undefined;
  /** The `<<EOF` marker in the instruction line. */
  range: Range;
  /** The body lines (without the terminator line). */
  bodyRange: Range;
}

/** RUN/CMD/ENTRYPOINT/HEALTHCHECK CMD: exec form (a JSON array of strings) or shell form (the rest of the line). */
export type CommandForm =
  | { kind: 'exec'; args: Word[]; range: Range }
  | { kind: 'shell'; command: Word; range: Range };

export type Keyword =
  | 'FROM'
  | 'RUN'
  | 'CMD'
  | 'LABEL'
  | 'MAINTAINER'
  | 'EXPOSE'
  | 'ENV'
  | 'ADD'
  | 'COPY'
  | 'ENTRYPOINT'
  | 'VOLUME'
  | 'USER'
  | 'WORKDIR'
  | 'ARG'
  | 'ONBUILD'
  | 'STOPSIGNAL'
  | 'HEALTHCHECK'
  | 'SHELL';

interface InstructionBase<K extends Keyword> {
  keyword: K;
  /** The keyword as written (`copy`, `Copy`…). */
  keywordText: string;
  keywordRange: Range;
  /** From the keyword to the end of the last argument (heredoc bodies excluded). */
  range: Range;
  /** The instruction's source text as written, continuations included, heredoc bodies excluded. */
  text: string;
  /**
   * The logical line as BuildKit keeps it (its `original`): continuation lines joined without their escape,
   * comment and blank lines inside dropped, trimmed. Step names are made from it.
   */
  original: string;
  flags: Flag[];
  /** Comment lines directly above the instruction, without the leading `#` and one space (BuildKit's doc comments). */
  comments: string[];
}

export interface FromInstruction extends InstructionBase<'FROM'> {
  image: Word;
  /** `AS name`, as written. */
  stageName: Word | undefined;
  /** The `AS` word as written (any case); present exactly when stageName is. */
  asKeyword: Word | undefined;
}

export interface RunInstruction extends InstructionBase<'RUN'> {
  command: CommandForm;
  heredocs: Heredoc[];
}

export interface CmdInstruction extends InstructionBase<'CMD'> {
  /** Undefined when the instruction has no arguments at all. */
  command: CommandForm | undefined;
}

export interface EntrypointInstruction extends InstructionBase<'ENTRYPOINT'> {
  command: CommandForm | undefined;
}

export interface ShellInstruction extends InstructionBase<'SHELL'> {
  /** SHELL takes only the exec form. */
  args: Word[];
}

/** One `key=value` of ENV or LABEL. `legacy` is the `ENV key value…` form (no `=`). */
export interface KeyValue {
  key: Word;
  value: Word;
  legacy: boolean;
  range: Range;
}

export interface EnvInstruction extends InstructionBase<'ENV'> {
  pairs: KeyValue[];
}

export interface LabelInstruction extends InstructionBase<'LABEL'> {
  pairs: KeyValue[];
}

export interface MaintainerInstruction extends InstructionBase<'MAINTAINER'> {
  name: Word;
}

export interface ExposeInstruction extends InstructionBase<'EXPOSE'> {
  ports: Word[];
}

/** COPY and ADD: sources then destination; heredoc sources appear in `sources` as `<<EOF` words. */
export interface CopyInstruction extends InstructionBase<'COPY'> {
  sources: Word[];
  destination: Word;
  heredocs: Heredoc[];
  /** Written as a JSON array. */
  json: boolean;
}

export interface AddInstruction extends InstructionBase<'ADD'> {
  sources: Word[];
  destination: Word;
  heredocs: Heredoc[];
  json: boolean;
}

export interface VolumeInstruction extends InstructionBase<'VOLUME'> {
  paths: Word[];
  json: boolean;
}

export interface UserInstruction extends InstructionBase<'USER'> {
  user: Word;
}

export interface WorkdirInstruction extends InstructionBase<'WORKDIR'> {
  path: Word;
}

/** One `name` or `name=default` of ARG (an ARG line may declare several). */
export interface ArgDeclaration {
  name: Word;
  /** As written, quotes kept; undefined for a bare `ARG name`. */
  defaultValue: Word | undefined;
  range: Range;
}

export interface ArgInstruction extends InstructionBase<'ARG'> {
  args: ArgDeclaration[];
}

export interface OnbuildInstruction extends InstructionBase<'ONBUILD'> {
  trigger: Instruction;
  /** The trigger as written after ONBUILD, heredoc bodies included (what the image config's OnBuild list keeps). */
  triggerText: string;
}

export interface StopsignalInstruction extends InstructionBase<'STOPSIGNAL'> {
  signal: Word;
}

export interface HealthcheckInstruction extends InstructionBase<'HEALTHCHECK'> {
  /** `HEALTHCHECK NONE` → none; `HEALTHCHECK [flags] CMD …` → cmd. */
  check: { kind: 'none' } | { kind: 'cmd'; command: CommandForm };
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CmdInstruction
  | LabelInstruction
  | MaintainerInstruction
  | ExposeInstruction
  | EnvInstruction
  | AddInstruction
  | CopyInstruction
  | EntrypointInstruction
  | VolumeInstruction
  | UserInstruction
  | WorkdirInstruction
  | ArgInstruction
  | OnbuildInstruction
  | StopsignalInstruction
  | HealthcheckInstruction
  | ShellInstruction;

/**
 * The syntax-level form of one instruction (what BuildKit's line parser produces): keyword, flags and the
 * argument words split by the instruction's rule, before any per-instruction meaning or validation.
 * Typed instructions are built from these; tools that need the raw shape (dumps, linters) use them directly.
 */
export interface InstructionNode {
  keywordText: string;
  keywordRange: Range;
  flags: Flag[];
  /**
   * Argument words: JSON elements (exec form), whitespace-separated words, the whole rest of the line, or for
   * ENV/LABEL `key`, `value`, separator (`=` or empty for the legacy form) triples; HEALTHCHECK: type word then command.
   */
  args: Word[];
  /** Arguments were written as a JSON array. */
  json: boolean;
  /** Everything after the keyword and flags, trimmed (the shell form command line). */
  rest: Word;
  /** ONBUILD: the trigger instruction. */
  trigger: InstructionNode | undefined;
  heredocs: Heredoc[];
  comments: string[];
  range: Range;
  text: string;
  /** See InstructionBase.original. */
  original: string;
}

/** `# syntax=…`, `# escape=…`, `# check=…` at the top of the file; `name` lower-cased. */
export interface Directive {
  name: 'syntax' | 'escape' | 'check';
  value: string;
  range: Range;
}

export interface Dockerfile {
  file: string;
  directives: Directive[];
  /** The escape character in force (from `# escape=`, default backslash). */
  escape: '\\' | '`';
  instructions: Instruction[];
}
