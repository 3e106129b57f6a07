// `tsbuild [build] [options] CONTEXT|-`: Docker's build flags parsed into one typed options object.
// Build is the default command, so `tsbuild -t app .` works without the word `build`.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { writeFileAtomically } from '../../../cache/index.js';
import { configEnvNames } from '../../config.js';
import type { BuildInput, BuildRequest, BuildResult } from '../../engine-build.js';
import type { CheckWarning } from '../../graph/index.js';
import { TsbuildError, UserError } from '../../errors.js';
import { formatReference, parseTagReference, type ImageReference } from '../../image/reference.js';
import { canonicalTag } from '../../image/store-state.js';
import { reportBuiltImage, type BuiltImageReport } from '../build-report.js';
import { claimCacheCollection, startCacheCollection } from '../cache-gc.js';
import { replayFile, replayKey, type ReplayRecord } from '../replay-record.js';
import { codeIdentity } from '../code-identity.js';
import { formatCheckReport, formatCheckWarnings } from '../check-report.js';
import { collect, type CliContext } from '../context.js';
import type { ProgressMode } from '../progress.js';
import { renderSnippet } from '../snippet.js';

export interface SecretSource {
  id: string;
  /** Exactly one of file / env. */
  file: string | undefined;
  env: string | undefined;
}

export interface SshSource {
  id: string;
  /** Agent socket paths; empty means $SSH_AUTH_SOCK. */
  paths: string[];
}

export interface OutputSpec {
  type: 'image' | 'oci' | 'docker' | 'tar' | 'local';
  dest: string | undefined;
  attrs: Record<string, string>;
  names: ImageReference[] | undefined;
}

export interface BuildCommandOptions {
  context: string;
  /** Dockerfile path, or `-` for stdin; undefined = CONTEXT/Dockerfile. */
  file: string | undefined;
  tags: string[];
  /** --build-arg K=V; a bare K takes the value from the environment (dropped when unset). */
  buildArgs: Map<string, string>;
  /** The bare --build-arg names: environment variables the build reads. */
  buildArgsFromEnv: string[];
  target: string | undefined;
  noCache: boolean;
  noCacheFilter: string[];
  pull: boolean;
  progress: ProgressMode;
  quiet: boolean;
  iidfile: string | undefined;
  labels: Map<string, string>;
  platform: string | undefined;
  secrets: SecretSource[];
  ssh: SshSource[];
  network: 'default' | 'none' | 'host';
  addHosts: { host: string; ip: string }[];
  outputs: OutputSpec[];
  explain: boolean;
  /** --check: run the build checks only. */
  check: boolean;
  allow: string[];
  /** --cache-from / --cache-to: accepted so CI scripts written for buildx run, and ignored with a warning. */
  cacheImports: string[];
  cacheExports: string[];
}

/** Raw commander values → typed options; every malformed value is a UserError naming the flag. */
export function parseBuildOptions(context: string, raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): BuildCommandOptions {
  const strings = (name: string): string[] => (raw[name] as string[] | undefined) ?? [];
  const progress = (raw['progress'] as string | undefined) ?? 'auto';
  if (!['auto', 'plain', 'tty', 'quiet'].includes(progress)) throw new UserError(`invalid --progress "${progress}": use auto, plain, tty or quiet`);
  const network = (raw['network'] as string | undefined) ?? 'default';
  if (!['default', 'none', 'host'].includes(network)) throw new UserError(`invalid --network "${network}": use default, none or host`);
  // Building from another context than the one given would build something else: refuse rather than ignore.
  if (strings('buildContext').length > 0) throw new UserError('--build-context: named build contexts are not supported by tsbuild yet');
  return {
    context,
    file: raw['file'] as string | undefined,
    tags: strings('tag'),
    buildArgs: parseBuildArgs(strings('buildArg'), env),
    buildArgsFromEnv: strings('buildArg').filter((value) => !value.includes('=')),
    target: raw['target'] as string | undefined,
    noCache: raw['cache'] === false,
    // commander reads `--no-cache-filter <stage>` as a negatable `--cache-filter`, so the values land there.
    noCacheFilter: strings('cacheFilter'),
    pull: raw['pull'] === true,
    progress: raw['quiet'] === true ? 'quiet' : (progress as ProgressMode),
    quiet: raw['quiet'] === true,
    iidfile: raw['iidfile'] as string | undefined,
    labels: new Map(strings('label').map((l) => splitPair(l, '--label'))),
    platform: raw['platform'] as string | undefined,
    secrets: strings('secret').map(parseSecret),
    ssh: strings('ssh').map(parseSsh),
    network: network as BuildCommandOptions['network'],
    addHosts: strings('addHost').map(parseAddHost),
    outputs: strings('output').map(parseOutput),
    explain: raw['explain'] === true,
    check: raw['check'] === true || callMethod(raw['call'] as string | undefined) === 'check',
    allow: strings('allow'),
    cacheImports: strings('cacheFrom'),
    cacheExports: strings('cacheTo'),
  };
}

/** buildx's `--call`: `build` (the default) or `check` (what `--check` is short for); the others are not supported yet. */
function callMethod(value: string | undefined): 'build' | 'check' {
  const method = (value ?? 'build').toLowerCase();
  if (method === 'build' || method === 'check') return method;
  throw new UserError(`--call ${value as string}: only build and check are supported`);
}

function splitPair(text: string, flag: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UserError(`invalid ${flag} "${text}": expected KEY=VALUE`);
  return [text.slice(0, at), text.slice(at + 1)];
}

function parseBuildArgs(values: string[], env: NodeJS.ProcessEnv): Map<string, string> {
  const args = new Map<string, string>();
  for (const value of values) {
    const at = value.indexOf('=');
    if (at === 0) throw new UserError(`invalid --build-arg "${value}": empty name`);
    if (at > 0) args.set(value.slice(0, at), value.slice(at + 1));
    else if (env[value] !== undefined) args.set(value, env[value] as string); // docker: `--build-arg K` copies K from the environment
  }
  return args;
}

/** `key=value,key=value` as BuildKit's CSV flags take them. */
function parseFields(text: string, flag: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of csvFields(text)) {
    const at = part.indexOf('=');
    if (at <= 0) throw new UserError(`invalid ${flag} "${text}": expected key=value fields`);
    fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1));
  }
  return fields;
}

/**
 * A flag value's comma-separated fields, read as CSV the way docker's flags are: a field in double quotes may
 * hold commas (`"name=a:1,b:2"`), and `""` inside it is one quote.
 */
function csvFields(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quoted && char === '"') {
      if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (!quoted && char === '"' && field === '') quoted = true;
    else if (!quoted && char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

function parseSecret(text: string): SecretSource {
  const fields = parseFields(text, '--secret');
  const id = fields.get('id');
  if (!id) throw new UserError(`invalid --secret "${text}": id is required`);
  const file = fields.get('src') ?? fields.get('source');
  const env = fields.get('env');
  const type = fields.get('type');
  if (type === 'env' || (file === undefined && env === undefined)) return { id, file: undefined, env: env ?? file ?? id };
  return { id, file, env: file === undefined ? env : undefined };
}

function parseSsh(text: string): SshSource {
  const at = text.indexOf('=');
  if (at === -1) return { id: text, paths: [] };
  return { id: text.slice(0, at), paths: text.slice(at + 1).split(',').filter((p) => p !== '') };
}

function parseAddHost(text: string): { host: string; ip: string } {
  // docker accepts host:ip and host=ip; IPv6 addresses contain colons, so split at the first separator.
  const match = /^([^:=]+)[:=](.+)$/.exec(text);
  if (!match) throw new UserError(`invalid --add-host "${text}": expected HOST:IP`);
  return { host: match[1] as string, ip: match[2] as string };
}

function parseOutput(text: string): OutputSpec {
  const fields = text.includes('=') ? parseFields(text, '--output') : new Map([['type', 'local'], ['dest', text]]);
  const type = fields.get('type') ?? 'local';
  if (!['image', 'oci', 'docker', 'tar', 'local'].includes(type)) {
    throw new UserError(`invalid --output type "${type}": use image, oci, docker, tar or local`);
  }
  const dest = fields.get('dest');
  if (type !== 'image' && dest === undefined) throw new UserError(`--output type=${type} needs dest=PATH`);
  // name= (comma-separated, as BuildKit's exporters take it) names the image in an archive instead of the -t tags.
  const names = fields.get('name')?.split(',').map((name) => parseTagReference(name.trim()));
  for (const known of ['type', 'dest', 'name']) fields.delete(known);
  return { type: type as OutputSpec['type'], dest, attrs: Object.fromEntries(fields), names };
}

/** Reads the secret's value from its file or variable (never logged, never in a cache key). */
export function readSecret(secret: SecretSource, env: NodeJS.ProcessEnv): Buffer {
  if (secret.file !== undefined) return readFileSync(secret.file);
  const value = env[secret.env ?? secret.id];
  if (value === undefined) throw new UserError(`secret ${secret.id}: environment variable ${secret.env ?? secret.id} is not set`);
  return Buffer.from(value);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** --ssh ids → agent sockets; `default` without a path is the caller's SSH_AUTH_SOCK, as in docker buildx. */
function sshSockets(sources: SshSource[], env: NodeJS.ProcessEnv): Map<string, string> {
  const sockets = new Map<string, string>();
  for (const source of sources) {
    const socket = source.paths[0] ?? env['SSH_AUTH_SOCK'];
    if (socket === undefined) throw new UserError(`--ssh ${source.id}: no socket given and SSH_AUTH_SOCK is not set`);
    sockets.set(source.id, socket);
  }
  return sockets;
}

/** Ctrl-C / SIGTERM abort the build (steps are killed, snapshots and mounts cleaned) instead of killing us. */
async function interruptible<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const abort = (): void => controller.abort(new UserError('build interrupted'));
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', abort);
    process.off('SIGTERM', abort);
  }
}

async function runBuild(options: BuildCommandOptions, context: CliContext): Promise<void> {
  // Loaded on use: the build pulls in the parser and ora, which other commands should not pay for.
  const [{ build, checkBuildInput, exportBuiltImage, readBuildInput, CheckViolationError }, { createProgress }] = await Promise.all([import('../../engine-build.js'), import('../progress.js')]);
  const quiet = options.progress === 'quiet';
  const input = await readBuildInput({ context: options.context, file: options.file, readStdin: () => readAll(context.stdin) });
  try {
    if (options.check) {
      // As `docker build --check`: the report on stdout, exit status 1 when anything was found, nothing built.
      const { warnings, error } = await checkBuildInput(await context.engine(), input, { buildArgs: options.buildArgs, target: options.target });
      context.stdout.write(formatCheckReport(warnings, input.dockerfile.name, input.dockerfile.text));
      if (error !== undefined) {
        for (const source of error.sources) context.stderr.write(`${renderSnippet(input.dockerfile.text, source)}\n`);
        throw error;
      }
      if (warnings.length > 0) context.exitCode = Math.max(context.exitCode, 1);
      return;
    }
    for (const source of options.cacheImports) context.stderr.write(`WARNING: --cache-from ${source} ignored: tsbuild uses its local build cache only (no cache import yet)\n`);
    for (const destination of options.cacheExports) context.stderr.write(`WARNING: --cache-to ${destination} ignored: tsbuild keeps its build cache in the state root (no cache export yet)\n`);
    const engine = await context.engine();
    const progress = await createProgress(options.progress, context.stderr);
    const identity = codeIdentity();
    const code = replayable(options) ? identity : undefined;
    let warnings: CheckWarning[] = [];
    const request: BuildRequest = {
      input,
      tags: options.tags.map((tag) => parseTagReference(tag)),
      buildArgs: options.buildArgs,
      target: options.target,
      noCache: options.noCache,
      noCacheFilter: options.noCacheFilter,
      labels: options.labels,
      platform: options.platform,
      secrets: new Map(options.secrets.map((secret) => [secret.id, readSecret(secret, context.callerEnv)])),
      sshSockets: sshSockets(options.ssh, context.callerEnv),
      network: options.network,
      extraHosts: options.addHosts,
      allow: options.allow,
      explain: options.explain,
      explainMisses: progress.showsMissReasons,
      onCheckWarnings: (found) => (warnings = found),
      recordReplay: code !== undefined,
      codeIdentity: identity,
    };
    let result;
    try {
      result = await interruptible((signal) => build(engine, request, (event) => progress.handle(event), signal));
    } catch (err) {
      progress.finish();
      // What the checks found is listed for a failed build too, as BuildKit does, before the failure itself.
      if (err instanceof CheckViolationError) context.stderr.write(formatCheckWarnings(err.warnings));
      else if (!quiet) context.stderr.write(formatCheckWarnings(warnings));
      // The Dockerfile lines of the failing instruction, before main's one ERROR line.
      if (err instanceof TsbuildError) for (const source of err.sources) context.stderr.write(`${renderSnippet(input.dockerfile.text, source)}\n`);
      throw err;
    }
    progress.finish();
    const imageId = result.image.id;
    if (options.iidfile !== undefined) await writeFile(options.iidfile, imageId);
    await exportBuiltImage(engine, result.image, request.tags, options.outputs, context.stdout);
    const report = { imageId, tags: request.tags.map(formatReference), quiet: options.quiet, quietProgress: quiet, warnings: formatCheckWarnings(warnings) };
    reportBuiltImage(report, context.stdout, context.stderr);
    if (code !== undefined) keepReplay(code, options, context, engine.paths.replays, { input, request, result, report });
    if (claimCacheCollection(engine.paths.cache)) startCacheCollection(engine.paths.root);
  } finally {
    // A context archive from stdin was unpacked to a temporary folder.
    await input.release?.();
  }
}

/** Whether a later run of this command line may be answered by a replay record (build-replay.ts says why not otherwise). */
function replayable(options: BuildCommandOptions): boolean {
  return (
    options.context !== '-' &&
    options.file !== '-' &&
    !options.noCache &&
    options.noCacheFilter.length === 0 &&
    !options.pull &&
    !options.explain &&
    options.secrets.length === 0 &&
    options.ssh.length === 0 &&
    options.outputs.every((output) => output.type === 'image') &&
    options.cacheImports.length === 0 &&
    options.cacheExports.length === 0
  );
}

interface FinishedBuild {
  input: BuildInput;
  request: BuildRequest;
  result: BuildResult;
  report: BuiltImageReport;
}

/** Keeps the replay record of this build, or drops the one of an earlier build of the same command line. */
function keepReplay(code: string, options: BuildCommandOptions, context: CliContext, replaysDir: string, build: FinishedBuild): void {
  const key = replayKey(code, process.cwd(), context.argv);
  const file = replayFile(replaysDir, key);
  const facts = build.result.replay;
  try {
    if (facts === undefined) {
      // An older record must not answer for a request whose last build could not keep one.
      rmSync(file, { force: true });
      return;
    }
    const envNames = [...configEnvNames, ...options.buildArgsFromEnv];
    const record: ReplayRecord = {
      key,
      env: Object.fromEntries(envNames.map((name) => [name, context.callerEnv[name] ?? null])),
      files: build.input.consulted.map((file) => ({ path: file.path, text: file.text ?? null })),
      context: facts.context,
      images: facts.images,
      tags: build.request.tags.map(canonicalTag),
      manifestDigest: build.result.image.manifestDigest,
      records: facts.recordFiles.map((recordFile) => ({ file: recordFile, text: readFileSync(recordFile, 'utf8') })),
      blobFiles: facts.blobFiles,
      steps: facts.steps,
      progress: options.progress,
      iidfile: options.iidfile,
      report: build.report,
    };
    mkdirSync(replaysDir, { recursive: true });
    writeFileAtomically(file, JSON.stringify(record));
  } catch {
    // The record only saves later work: a full disk or read-only root must not fail a build that succeeded.
  }
}

export function registerBuild(program: Command, context: CliContext): void {
  defineBuildCommand(program).action(async (contextArg: string, raw: Record<string, unknown>) => {
    await runBuild(parseBuildOptions(contextArg, raw, context.callerEnv), context);
  });
}

/** The `build` command with Docker's flags (no action: registerBuild adds it). Build is the default command. */
export function defineBuildCommand(program: Command): Command {
  return program
    .command('build', { isDefault: true })
    .description('Build an image from a Dockerfile (the default command: `tsbuild -t app .`)')
    .argument('<context>', 'build context directory, or - to read a Dockerfile or a context archive (tar, compressed or not) from stdin')
    .option('-t, --tag <name:tag>', 'name and optionally a tag (repeatable)', collect, [])
    .option('-f, --file <path>', 'Dockerfile path (default CONTEXT/Dockerfile; - for stdin)')
    .option('--build-arg <key[=value]>', 'set a build-time variable (repeatable)', collect, [])
    .option('--target <stage>', 'build this stage and what it needs')
    .option('--no-cache', 'do not use the cache when building')
    .option('--no-cache-filter <stage>', 'do not use the cache for these stages (repeatable)', collect, [])
    .option('--pull', 'always look the base images up again')
    .option('--progress <mode>', 'auto, plain, tty or quiet', 'auto')
    .option('-q, --quiet', 'print only the image ID')
    .option('--iidfile <file>', 'write the image ID to this file')
    .option('--label <key=value>', 'set image metadata (repeatable)', collect, [])
    .option('--platform <platform>', 'target platform (linux/amd64 only)')
    .option('--secret <id=…,src=…|env=…>', 'secret to expose to RUN --mount=type=secret (repeatable)', collect, [])
    .option('--ssh <default|id[=socket]>', 'SSH agent socket to expose to RUN --mount=type=ssh (repeatable)', collect, [])
    .option('--network <mode>', 'networking for RUN: default, none or host')
    .option('--add-host <host:ip>', 'add a custom host-to-IP mapping (repeatable)', collect, [])
    .option('-o, --output <type=…,dest=…>', 'output: image (default), oci, docker, tar or local (repeatable)', collect, [])
    .option('--explain', 'print the cache key parts of every step')
    .option('--check', "run the Dockerfile's build checks only, without building")
    .option('--call <method>', 'build (default) or check (same as --check)')
    .option('--allow <entitlement>', 'allow an extra privilege: security.insecure, network.host (repeatable)', collect, [])
    .option('--cache-from <source>', 'accepted for buildx compatibility and ignored: only the local cache is used (repeatable)', collect, [])
    .option('--cache-to <destination>', 'accepted for buildx compatibility and ignored: no cache export yet (repeatable)', collect, [])
    .option('--build-context <name=value>', 'named build contexts: not supported yet (an error)', collect, []);
}
