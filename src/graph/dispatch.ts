// One small function per instruction: the stage state it reads (Env, ARGs, WORKDIR, USER, SHELL) and the
// Step and/or config patch + history entry it produces, following BuildKit's dockerfile2llb dispatch.
import { posix } from 'node:path';
import type {
  AddInstruction,
  CommandForm,
  CopyInstruction,
  Flag,
  Heredoc,
  Instruction,
  Lookup,
  Range,
  RunInstruction,
  Word,
} from '../../grammar/index.js';
import { chompHeredoc, expandsArguments, expandWord, ExpandError, parseMount } from '../../grammar/index.js';
import type { ContainerConfig, HealthConfig, HistoryEntry } from '../image/oci.js';
import { envKey, setEnv } from './env-list.js';
import { HealthcheckError, healthcheckHistory, parseHealthcheckDuration, parseHealthcheckRetries } from './healthcheck.js';
import { PortSpecError, parsePortSpec } from './ports.js';
import type { ProxyEnv } from './proxy.js';
import { ArgScope, expandFields, expandValue, literalFromValue, stageLookup, type UnmatchedListener } from './scope.js';
import { dockerfileError } from './source-ref.js';
import { isStopSignal } from './stop-signal.js';
import { closestMatch } from './suggest.js';
import type { ConfigStep, CopySource, CopyStep, InputRef, MountSpec, RunStep, Step, UndefinedVarUse } from './types.js';

const defaultShell: readonly string[] = ['/bin/sh', '-c'];
export const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Build args that steer SBOM scanning: never environment, and BuildKit never calls them undefined. */
const nonEnvArgs: ReadonlySet<string> = new Set(['BUILDKIT_SBOM_SCAN_CONTEXT', 'BUILDKIT_SBOM_SCAN_STAGE']);

/** An undefined variable as dispatch finds it; the stage adds where (UndefinedVarUse.range, .comments). */
type UndefinedVar = Omit<UndefinedVarUse, 'range' | 'comments'>;

/** What a stage's dispatch needs from outside the stage. */
export interface DispatchContext {
  file: string;
  escape: '\\' | '`';
  buildArgs: Readonly<Record<string, string | undefined>>;
  /** Global ARG values, re-imported by a bare `ARG name` inside the stage. */
  globals: ArgScope;
  proxy: ProxyEnv | undefined;
  /** COPY --from / --mount from= → input (stage above, or image). */
  resolveInput: (name: string, range: Range) => InputRef;
}

/** The mutable state of one stage while its instructions are dispatched. */
export class StageState {
  config: ContainerConfig;
  author: string | undefined;
  readonly args: ArgScope;
  /** Set by CMD in this stage: ENTRYPOINT clears only an inherited CMD. */
  cmdSet = false;
  readonly lookup: Lookup;
  /**
   * Every name with a value (Env and ARG), last-set last: the order of BuildKit's state env, whose first
   * equally close name is the did-you-mean of an undefined variable.
   */
  #setOrder: string[];

  /** `parent`: the stage this one is built FROM, whose ARGs it keeps (their values reach RUN and expansion). */
  constructor(config: ContainerConfig, author: string | undefined, parent?: StageState) {
    this.config = config;
    this.author = author;
    this.args = new ArgScope(parent?.args);
    this.lookup = stageLookup(() => this.env, this.args);
    // BuildKit starts from the parent's state env and sets the config's Env over it again.
    const envNames = this.env.map(envKey);
    const inherited = parent === undefined ? [] : parent.#setOrder;
    this.#setOrder = [...inherited.filter((name) => !envNames.includes(name)), ...envNames];
  }

  /** Records that ENV or ARG gave `name` a value. */
  noteSet(name: string): void {
    this.#setOrder = [...this.#setOrder.filter((n) => n !== name), name];
  }

  get env(): string[] {
    return this.config.Env ?? [];
  }
  get workdir(): string {
    return this.config.WorkingDir || '/';
  }
  get user(): string {
    return this.config.User ?? '';
  }
  get shell(): readonly string[] {
    return this.config.Shell ?? defaultShell;
  }

  /** ARG values RUN sees: those whose name ENV does not define (ENV wins). */
  runArgs(): [string, string][] {
    const envNames = new Set(this.env.map(envKey));
    return this.args.withValues().filter(([name]) => !envNames.has(name));
  }

  /** RUN's environment: Env, then the visible ARG values. */
  runEnv(): string[] {
    return [...this.env, ...this.runArgs().map(([name, value]) => `${name}=${value}`)];
  }

  /**
   * Of the names an expansion did not find, those no ARG of the stage declares either (a declared ARG
   * without a value is defined, only empty), each with the closest name the stage does define.
   */
  undefinedAmong(names: string[]): UndefinedVar[] {
    return names
      .filter((name) => !this.args.has(name) && !nonEnvArgs.has(name))
      .map((name) => ({ name, suggestion: closestMatch(name, this.#setOrder, { caseSensitive: true }) }));
  }

  /** Applies a patch to the config and returns it as a ConfigStep. */
  patch(patch: ContainerConfig): ConfigStep {
    this.config = { ...this.config, ...patch };
    return { kind: 'config', patch };
  }
}

export interface Dispatched {
  step: Step | undefined;
  history: HistoryEntry | undefined;
  /** Extra inputs of the step besides the stage's previous step. */
  inputs: { input: InputRef; kind: 'copy-from' | 'mount-from' }[];
  /** Variables its expanded words used undefined, one per name per word. */
  undefinedVars: UndefinedVar[];
}

type DispatchedStep = Omit<Dispatched, 'undefinedVars'>;

function history(createdBy: string, emptyLayer: boolean): HistoryEntry {
  const entry: HistoryEntry = { created_by: createdBy, comment: 'buildkit.dockerfile.v0' };
  if (emptyLayer) entry.empty_layer = true;
  return entry;
}

/** RUN/COPY/ADD entries: BuildKit marks the history of steps that carry an LLB state with this suffix. */
function layerHistory(createdBy: string): HistoryEntry {
  return history(`${createdBy} # buildkit`, false);
}

function configOnly(step: ConfigStep, createdBy: string): DispatchedStep {
  return { step, history: history(createdBy, true), inputs: [] };
}

/** Go's `%q` of a []string: `["a" "b"]`. */
function goQuoted(args: readonly string[]): string {
  return `[${args.map((a) => JSON.stringify(a)).join(' ')}]`;
}

/** Go's `%v` of a []string: `[a b]`. */
function goList(args: readonly string[]): string {
  return `[${args.join(' ')}]`;
}

function commandArgs(command: CommandForm | undefined, shell: readonly string[]): string[] {
  if (command === undefined) return [];
  if (command.kind === 'exec') return command.args.map((w) => w.value);
  return [...shell, command.command.value];
}

function flagWord(flag: Flag): Word {
  return { value: flag.value ?? '', range: flag.valueRange ?? flag.range };
}

/** `<<-` bodies lose leading tabs on every line. */
function heredocBody(heredoc: Heredoc): string {
  return heredoc.chomp ? chompHeredoc(heredoc.content) : heredoc.content;
}

export function dispatchInstruction(instruction: Instruction, state: StageState, ctx: DispatchContext): Dispatched {
  // Judged at each expansion: an ARG line declares names as it goes, an ENV line sees the env before it.
  const undefinedVars: UndefinedVar[] = [];
  const noteUnmatched: UnmatchedListener = (names) => undefinedVars.push(...state.undefinedAmong(names));
  return { ...dispatchStep(instruction, state, ctx, noteUnmatched), undefinedVars };
}

/**
 * `noteUnmatched` hears the expansions BuildKit checks for undefined variables: ENV, LABEL, WORKDIR, USER,
 * VOLUME, STOPSIGNAL, ARG defaults, COPY/ADD paths, --chown/--chmod/--checksum and heredoc bodies, RUN
 * --mount; not EXPOSE (expanded without the check) nor COPY --from (which must be literal).
 */
function dispatchStep(instruction: Instruction, state: StageState, ctx: DispatchContext, noteUnmatched: UnmatchedListener): DispatchedStep {
  // grammar's table says which instructions BuildKit expands (RUN/CMD/… hand their text to the shell as is).
  const expand = (word: Word): string =>
    expandsArguments[instruction.keyword] ? expandValue(word, state.lookup, ctx.file, ctx.escape, noteUnmatched) : word.value;
  switch (instruction.keyword) {
    case 'RUN':
      return dispatchRun(instruction, state, ctx, noteUnmatched);
    case 'COPY':
    case 'ADD':
      return dispatchCopy(instruction, state, ctx, noteUnmatched);
    case 'WORKDIR': {
      const path = resolveWorkdir(state.workdir, expand(instruction.path));
      state.patch({ WorkingDir: path });
      // BuildKit emits no op when the result is `/`; any other WORKDIR is a (possibly empty) layer.
      if (path === '/') return configOnly({ kind: 'config', patch: { WorkingDir: path } }, `WORKDIR ${path}`);
      return {
        step: { kind: 'mkdir', path, user: state.user },
        history: history(`WORKDIR ${path}`, false),
        inputs: [],
      };
    }
    case 'ENV': {
      // All pairs of one ENV line are expanded with the environment from before the line.
      const pairs = instruction.pairs.map((pair) => [expand(pair.key), expand(pair.value)] as const);
      let env = state.env;
      for (const [key, value] of pairs) {
        env = setEnv(env, key, value);
        state.noteSet(key);
      }
      const text = pairs.map(([key, value]) => `${key}=${value}`).join(' ');
      return configOnly(state.patch({ Env: env }), `ENV ${text}`);
    }
    case 'ARG':
      return dispatchArg(instruction.args, state, ctx, noteUnmatched);
    case 'LABEL': {
      const pairs = instruction.pairs.map((pair) => [expand(pair.key), expand(pair.value)] as const);
      const labels = { ...state.config.Labels };
      for (const [key, value] of pairs) labels[key] = value;
      return configOnly(state.patch({ Labels: labels }), `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
    }
    case 'EXPOSE': {
      // BuildKit sorts the words as written, then expands and parses them in that order; the history lists
      // every port so found, repeats included.
      const ports: string[] = [];
      const words = [...instruction.ports].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
      for (const word of words) {
        for (const spec of expandFields(word, state.lookup, ctx.file, ctx.escape)) {
          try {
            ports.push(...parsePortSpec(spec));
          } catch (err) {
            if (err instanceof PortSpecError) throw dockerfileError(err.message, ctx.file, word.range, err);
            throw err;
          }
        }
      }
      const exposed = { ...state.config.ExposedPorts };
      for (const port of ports) exposed[port] = {};
      return configOnly(state.patch({ ExposedPorts: exposed }), `EXPOSE ${goList(ports)}`);
    }
    case 'USER': {
      const user = expand(instruction.user);
      return configOnly(state.patch({ User: user }), `USER ${user}`);
    }
    case 'VOLUME': {
      const paths = instruction.paths.map((word) => {
        const path = expand(word);
        if (path.trim() === '') throw dockerfileError('VOLUME specified can not be an empty string', ctx.file, word.range);
        return path;
      });
      const volumes = { ...state.config.Volumes };
      for (const path of paths) volumes[path] = {};
      return configOnly(state.patch({ Volumes: volumes }), `VOLUME ${goList(paths)}`);
    }
    case 'STOPSIGNAL': {
      const signal = expand(instruction.signal);
      if (!isStopSignal(signal)) throw dockerfileError(`invalid signal: ${signal}`, ctx.file, instruction.signal.range);
      return configOnly(state.patch({ StopSignal: signal }), `STOPSIGNAL ${signal}`);
    }
    case 'SHELL': {
      const shell = instruction.args.map((w) => w.value);
      return configOnly(state.patch({ Shell: shell }), `SHELL ${goList(shell)}`);
    }
    case 'CMD': {
      const cmd = commandArgs(instruction.command, state.shell);
      state.cmdSet = true;
      // BuildKit sets ArgsEscaped on every CMD (a Docker-compat field), never on ENTRYPOINT.
      return configOnly(state.patch({ Cmd: cmd, ArgsEscaped: true }), `CMD ${goQuoted(cmd)}`);
    }
    case 'ENTRYPOINT': {
      const entrypoint = commandArgs(instruction.command, state.shell);
      const patch: ContainerConfig = state.cmdSet ? { Entrypoint: entrypoint } : { Entrypoint: entrypoint, Cmd: null };
      return configOnly(state.patch(patch), `ENTRYPOINT ${goQuoted(entrypoint)}`);
    }
    case 'HEALTHCHECK': {
      const health = healthConfig(instruction.check.kind === 'none' ? undefined : instruction.check.command, instruction.flags, ctx);
      return configOnly(state.patch({ Healthcheck: health }), healthcheckHistory(health));
    }
    case 'ONBUILD': {
      // BuildKit records triggers in the config only: ONBUILD writes no history entry.
      const onBuild = [...(state.config.OnBuild ?? []), instruction.triggerText];
      return { step: state.patch({ OnBuild: onBuild }), history: undefined, inputs: [] };
    }
    case 'MAINTAINER': {
      state.author = instruction.name.value;
      return configOnly({ kind: 'config', patch: {}, author: instruction.name.value }, `MAINTAINER ${instruction.name.value}`);
    }
    case 'FROM':
      throw dockerfileError('FROM is dispatched by the stage, not as an instruction', ctx.file, instruction.range);
  }
}

/** WORKDIR: relative paths join the previous one; the result is cleaned and absolute. */
function resolveWorkdir(current: string, path: string): string {
  return posix.resolve('/', current, path);
}

function dispatchArg(args: RunArgDeclarations, state: StageState, ctx: DispatchContext, noteUnmatched: UnmatchedListener): DispatchedStep {
  const parts: string[] = [];
  for (const arg of args) {
    const name = arg.name.value;
    if (name === '') throw dockerfileError('ARG names can not be blank', ctx.file, arg.range);
    const given = ctx.buildArgs[name];
    // --build-arg > default (expanded with the stage so far) > the global value of the same name.
    // BuildKit reads a default only when no --build-arg replaces it, so only then can it use an undefined variable.
    const fallback =
      arg.defaultValue !== undefined
        ? expandValue(arg.defaultValue, state.lookup, ctx.file, ctx.escape, given === undefined ? noteUnmatched : undefined)
        : ctx.globals.has(name)
          ? ctx.globals.get(name)
          : undefined;
    const value = given ?? fallback;
    // A bare re-declaration keeps an earlier value (from this stage or the one it is built on): BuildKit's
    // state env still holds it.
    state.args.declare(name, value ?? state.args.get(name));
    if (value !== undefined && !nonEnvArgs.has(name)) state.noteSet(name);
    // Proxy args too: BuildKit hides them from the cache key, not from history.
    parts.push(value === undefined ? name : `${name}=${value}`);
  }
  return { step: { kind: 'config', patch: {} }, history: history(`ARG ${parts.join(' ')}`, true), inputs: [] };
}

type RunArgDeclarations = Extract<Instruction, { keyword: 'ARG' }>['args'];

/** Expands one --mount option's value (no Word of its own: errors point at the whole flag). */
function expandMountOption(value: string, state: StageState, ctx: DispatchContext, range: Range, noteUnmatched: UnmatchedListener): string {
  try {
    const expanded = expandWord(value, state.lookup, { escape: ctx.escape });
    if (expanded.unmatched.length > 0) noteUnmatched(expanded.unmatched);
    return expanded.value;
  } catch (err) {
    if (err instanceof ExpandError) throw dockerfileError(err.reason, ctx.file, range, err);
    throw err;
  }
}

function dispatchRun(instruction: RunInstruction, state: StageState, ctx: DispatchContext, noteUnmatched: UnmatchedListener): DispatchedStep {
  const mounts: MountSpec[] = [];
  let network: RunStep['network'] = 'default';
  let security: RunStep['security'] = 'sandbox';
  for (const flag of instruction.flags) {
    const range = flag.valueRange ?? flag.range;
    if (flag.name === 'mount') {
      // The only RUN flag BuildKit expands (option by option), and so checks for undefined variables.
      mounts.push(runMount(flag.value ?? '', state, ctx, range, noteUnmatched));
      continue;
    }
    const value = flag.value ?? '';
    if (flag.name === 'network') {
      if (value !== 'default' && value !== 'none' && value !== 'host') {
        throw dockerfileError(`unsupported network mode ${JSON.stringify(value)}`, ctx.file, range);
      }
      network = value;
    } else if (flag.name === 'security') {
      if (value !== 'sandbox' && value !== 'insecure') {
        throw dockerfileError(`unsupported security mode ${JSON.stringify(value)}`, ctx.file, range);
      }
      security = value;
    }
  }
  const { args, files } = runCommand(instruction, state.shell);
  const historyArgs = state.args.declared().map((name) => `${name}=${state.lookup(name) ?? ''}`);
  const prefix = historyArgs.length === 0 ? '' : `|${historyArgs.length} ${historyArgs.join(' ')} `;
  const step: RunStep = {
    kind: 'run',
    args,
    env: state.runEnv(),
    argNames: state.runArgs().map(([name]) => name),
    proxy: ctx.proxy,
    user: state.user,
    workdir: state.workdir,
    mounts,
    network,
    security,
    files,
  };
  const inputs = mounts.flatMap((m) => ('from' in m && m.from !== undefined ? [{ input: m.from, kind: 'mount-from' as const }] : []));
  return { step, history: layerHistory(`RUN ${prefix}${args.join(' ')}`), inputs };
}

/**
 * One --mount: parsed by grammar with each option's value expanded, except that `from` must be written
 * literally (BuildKit refuses to expand it); a relative target is taken from WORKDIR.
 */
function runMount(raw: string, state: StageState, ctx: DispatchContext, range: Range, noteUnmatched: UnmatchedListener): MountSpec {
  const written = parseMount(raw);
  if (written.ok && 'from' in written.mount && written.mount.from?.includes('$')) {
    throw dockerfileError(`'from' doesn't support variable expansion, define alias stage instead`, ctx.file, range);
  }
  const parsed = parseMount(raw, (value) => expandMountOption(value, state, ctx, range, noteUnmatched));
  if (!parsed.ok) throw dockerfileError(parsed.message, ctx.file, range);
  const mount = parsed.mount;
  const target = mount.target === undefined || mount.target.startsWith('/') ? mount.target : posix.join(state.workdir, mount.target);
  if (mount.type === 'bind' || mount.type === 'cache') {
    const from = mount.from === undefined ? undefined : ctx.resolveInput(mount.from, range);
    return { ...mount, target: target as string, from };
  }
  return { ...mount, target } as MountSpec;
}

/** The heredoc of a shell-form RUN whose whole command is that one `<<EOF`: its body is the script. */
export function loneHeredoc(instruction: RunInstruction): Heredoc | undefined {
  const command = instruction.command;
  if (command.kind !== 'shell' || instruction.heredocs.length !== 1) return undefined;
  return /^\s*<<-?\s*(["']?)[^\s"']+\1\s*$/.test(command.command.value) ? instruction.heredocs[0] : undefined;
}

/**
 * RUN's argv with BuildKit's heredoc rules: a command that is only `<<EOF` runs the body (a `#!` body as a
 * script file mounted at /dev/pipes/<name>, otherwise as the shell's script); any other heredoc use hands
 * the command line plus bodies to the shell.
 */
function runCommand(instruction: RunInstruction, shell: readonly string[]): Pick<RunStep, 'args' | 'files'> {
  if (instruction.command.kind === 'exec') return { args: instruction.command.args.map((w) => w.value), files: [] };
  const line = instruction.command.command.value;
  const heredocs = instruction.heredocs;
  if (heredocs.length === 0) return { args: [...shell, line], files: [] };
  const only = loneHeredoc(instruction);
  if (only !== undefined) {
    const body = heredocBody(only);
    if (body.startsWith('#!')) {
      // The script still goes through the shell: BuildKit prepends SHELL to every shell-form RUN.
      const path = `/dev/pipes/${only.name}`;
      return { args: [...shell, path], files: [{ path, content: body, mode: 0o755 }] };
    }
    return { args: [...shell, body], files: [] };
  }
  const script = [line, ...heredocs.map((h) => `${h.content}${h.name}`)].join('\n');
  return { args: [...shell, script], files: [] };
}

const healthDurationFields: Readonly<Record<string, 'Interval' | 'Timeout' | 'StartPeriod' | 'StartInterval'>> = {
  interval: 'Interval',
  timeout: 'Timeout',
  'start-period': 'StartPeriod',
  'start-interval': 'StartInterval',
};

function healthConfig(command: CommandForm | undefined, flags: Flag[], ctx: DispatchContext): HealthConfig {
  if (command === undefined) return { Test: ['NONE'] };
  const test = command.kind === 'exec' ? ['CMD', ...command.args.map((w) => w.value)] : ['CMD-SHELL', command.command.value];
  const health: HealthConfig = { Test: test };
  // Docker's HealthConfig marshals with omitempty: a zero duration or retry count is left out.
  const set = (field: Exclude<keyof HealthConfig, 'Test'>, value: number): void => {
    if (value === 0) delete health[field];
    else health[field] = value;
  };
  for (const flag of flags) {
    try {
      const duration = healthDurationFields[flag.name];
      if (duration !== undefined) set(duration, parseHealthcheckDuration(flag.name, flag.value));
      else if (flag.name === 'retries') set('Retries', parseHealthcheckRetries(flag.value));
    } catch (err) {
      if (err instanceof HealthcheckError) throw dockerfileError(err.message, ctx.file, flag.range, err);
      throw err;
    }
  }
  return health;
}

const urlPattern = /^https?:\/\//i;
const gitPattern = /^(git@|git:\/\/|ssh:\/\/)|\.git(#|$)/i;

/** An ADD source fetched from a URL or a git repository, not read from the context. */
export function isRemoteSource(path: string): boolean {
  return urlPattern.test(path) || gitPattern.test(path);
}

function dispatchCopy(instruction: CopyInstruction | AddInstruction, state: StageState, ctx: DispatchContext, noteUnmatched: UnmatchedListener): DispatchedStep {
  const name = instruction.keyword;
  // BuildKit expands --chown, --chmod and --checksum; --from must be literal (literalFromValue).
  const flagValue = (flagName: string): [string, Range] | undefined => {
    const flag = instruction.flags.find((f) => f.name === flagName);
    if (flag === undefined) return undefined;
    const word = flagWord(flag);
    const value = flagName === 'from' ? literalFromValue(word, ctx.file, ctx.escape) : expandValue(word, state.lookup, ctx.file, ctx.escape, noteUnmatched);
    return [value, word.range];
  };
  const boolFlag = (flagName: string): boolean | undefined => {
    const flag = instruction.flags.find((f) => f.name === flagName);
    if (flag === undefined) return undefined;
    return flag.value === undefined || flag.value === '' || flag.value.toLowerCase() === 'true';
  };

  const fromFlag = flagValue('from');
  const from: InputRef = fromFlag === undefined ? { kind: 'context' } : ctx.resolveInput(fromFlag[0], fromFlag[1]);
  const sources = instruction.sources.map((word) => copySource(word, instruction.heredocs, state, ctx, name, noteUnmatched));
  const writtenDestination = expandValue(instruction.destination, state.lookup, ctx.file, ctx.escape, noteUnmatched);
  const destination = resolveDestination(state.workdir, writtenDestination);
  // In BuildKit's order: --checksum wants exactly one source path, a remote one; then the destination.
  const checksum = flagValue('checksum');
  if (checksum !== undefined) {
    const paths = sources.filter((s) => s.content === undefined);
    if (paths.length !== 1) throw dockerfileError("checksum can't be specified for multiple sources", ctx.file, checksum[1]);
    if (!isRemoteSource((paths[0] as CopySource).path)) throw dockerfileError('checksum requires HTTP(S) or Git sources', ctx.file, checksum[1]);
  }
  const step: CopyStep = {
    kind: 'copy',
    instruction: name,
    from,
    sources,
    destination,
    chown: flagValue('chown')?.[0],
    chmod: flagValue('chmod')?.[0],
    link: boolFlag('link') ?? false,
    // BuildKit takes --exclude patterns as written: no expansion.
    exclude: instruction.flags.filter((f) => f.name === 'exclude').map((f) => f.value ?? ''),
    parents: boolFlag('parents') ?? false,
    checksum: checksum?.[0],
    keepGitDir: boolFlag('keep-git-dir') ?? false,
    unpack: boolFlag('unpack'),
    user: state.user,
  };
  const inputs = from.kind === 'context' ? [] : [{ input: from, kind: 'copy-from' as const }];
  return { step, history: layerHistory(copyHistoryText(step, writtenDestination)), inputs };
}

/**
 * BuildKit's COPY/ADD history text: of the flags only --parents, --chown and --chmod (when not empty), then
 * the file sources, then the heredoc sources as `<<NAME`, then the destination as written; all expanded.
 */
function copyHistoryText(step: CopyStep, destination: string): string {
  const flags = [
    ...(step.parents ? ['--parents'] : []),
    ...(step.chown ? [`--chown=${step.chown}`] : []),
    ...(step.chmod ? [`--chmod=${step.chmod}`] : []),
  ];
  const files = step.sources.filter((s) => s.content === undefined).map((s) => s.path);
  const heredocs = step.sources.filter((s) => s.content !== undefined).map((s) => `<<${s.path}`);
  return [step.instruction, ...flags, ...files, ...heredocs, destination].join(' ');
}

function copySource(
  word: Word,
  heredocs: Heredoc[],
  state: StageState,
  ctx: DispatchContext,
  name: 'COPY' | 'ADD',
  noteUnmatched: UnmatchedListener,
): CopySource {
  const marker = /^\d*<<-?(["']?)([^"']+)\1$/.exec(word.value);
  const heredoc = marker === null ? undefined : heredocs.find((h) => h.name === marker[2]);
  if (heredoc !== undefined) {
    const body = heredocBody(heredoc);
    return { path: heredoc.name, content: heredoc.expand ? expandHeredocBody(body, heredoc, state, ctx, noteUnmatched) : body };
  }
  const path = expandValue(word, state.lookup, ctx.file, ctx.escape, noteUnmatched);
  if (name === 'COPY' && urlPattern.test(path)) throw dockerfileError("source can't be a URL for COPY", ctx.file, word.range);
  return { path };
}

/**
 * A body whose delimiter was not quoted is one shell word to BuildKit, read with `\` as escape whatever the
 * file's escape token, and with quotes kept as written: `$…` expands, `\x` gives `x` (`\$` a literal `$`,
 * `\\` one backslash, a backslash before the line end only that line end). grammar's expansion would treat
 * quotes as shell syntax, so they are escaped first.
 */
function expandHeredocBody(body: string, heredoc: Heredoc, state: StageState, ctx: DispatchContext, noteUnmatched: UnmatchedListener): string {
  const literal = body.replace(/["']/g, '\\$&');
  return expandValue({ value: literal, range: heredoc.bodyRange }, state.lookup, ctx.file, '\\', noteUnmatched);
}

/** Destination against WORKDIR; a trailing `/` (or `.`) means "into this directory" and is kept. */
function resolveDestination(workdir: string, destination: string): string {
  // An empty destination (a variable expanding to nothing) is the working directory, as `.` is (BuildKit testEmptyDestDir).
  const intoDirectory = destination === '' || destination.endsWith('/') || destination === '.' || destination.endsWith('/.');
  const resolved = posix.resolve('/', workdir, destination);
  return intoDirectory && resolved !== '/' ? `${resolved}/` : resolved;
}
