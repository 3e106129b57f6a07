// Docker's rules for what a container runs: Entrypoint + Cmd (args after IMAGE replace Cmd, --entrypoint
// replaces Entrypoint and drops Cmd), Env (daemon's ← image ← --env-file ← -e), WorkingDir, User and --init.
// Pure: the caller reads env files and the caller's environment and passes their text in.
import { UserError } from '../errors.js';
import type { ContainerConfig } from '../image/oci.js';
import type { ProcessSpec } from '../executor/executor.js';
import { defaultPath } from '../executor/oci-spec.js';

/** Where --init's tini appears inside the container (Docker's path for its init). */
export const initPath = '/sbin/docker-init';

export interface ProcessRequest {
  /** Arguments after IMAGE; when non-empty they replace the image's Cmd. */
  command: string[];
  /** --entrypoint: undefined keeps the image's; '' clears it. Either way the image's Cmd is dropped. */
  entrypoint: string | undefined;
  /** --env-file contents, in flag order. */
  envFiles: string[];
  /** -e entries in flag order: `K=V`, or `K` to take K from `callerEnv`. */
  env: string[];
  callerEnv: Record<string, string | undefined>;
  workdir: string | undefined;
  user: string | undefined;
  /** --group-add */
  groupAdd: string[];
  tty: boolean;
  init: boolean;
}

/** The command line: Entrypoint then Cmd, with Docker's precedence. Throws when nothing is left to run. */
export function resolveArgs(image: ContainerConfig, request: Pick<ProcessRequest, 'command' | 'entrypoint'>): string[] {
  // Docker merges the user's config over the image's; an explicit entrypoint (even '') hides the image's Cmd,
  // and an entrypoint of [""] is then reset to none.
  // https://docs.docker.com/reference/cli/docker/container/run/#entrypoint
  const entrypoint = request.entrypoint === undefined ? (image.Entrypoint ?? []) : request.entrypoint === '' ? [] : [request.entrypoint];
  const cmd = request.command.length > 0 ? request.command : request.entrypoint === undefined ? (image.Cmd ?? []) : [];
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) throw new UserError('No command specified');
  return args;
}

/**
 * Docker's --env-file format: one `K=V` or `K` per line, `#` comment lines and blank lines skipped,
 * leading whitespace dropped, the value kept verbatim (no quotes removed). `K` alone takes K from the
 * caller's environment and is dropped when unset there. A name with whitespace is refused here (not in -e).
 */
export function parseEnvFile(text: string, callerEnv: Record<string, string | undefined>): string[] {
  return keyValueLines(text).flatMap((line) => withCallerValue(line, callerEnv) ?? []);
}

/**
 * The `K=V` / `K` lines of a file in the format Docker's --env-file and --label-file share: leading whitespace
 * dropped, blank and `#` lines skipped, a missing name or one with whitespace refused.
 */
export function keyValueLines(text: string): string[] {
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const key = keyOf(line);
    if (key === '') throw new UserError(`poorly formatted environment: no variable name on line '${line}'`);
    if (/\s/.test(key)) throw new UserError(`poorly formatted environment: variable '${key}' contains whitespaces`);
    lines.push(line);
  }
  return lines;
}

/** A -e entry: any name but an empty one, as Docker's CLI checks it. */
function parseEnvFlag(entry: string, callerEnv: Record<string, string | undefined>): string | undefined {
  if (keyOf(entry) === '') throw new UserError(`invalid argument "${entry}" for "-e, --env" flag: invalid environment variable: ${entry}`);
  return withCallerValue(entry, callerEnv);
}

const keyOf = (entry: string): string => (entry.includes('=') ? entry.slice(0, entry.indexOf('=')) : entry);

/** `K=V` as it is; `K` with the caller's value, or undefined when the caller has none. */
function withCallerValue(entry: string, callerEnv: Record<string, string | undefined>): string | undefined {
  if (entry.includes('=')) return entry;
  const value = callerEnv[entry];
  return value === undefined ? undefined : `${entry}=${value}`;
}

/** Later entries replace earlier ones with the same key in place; new keys are appended. */
export function mergeEnv(base: string[], overrides: string[]): string[] {
  const merged = [...base];
  for (const entry of overrides) {
    const index = merged.findIndex((e) => keyOf(e) === keyOf(entry));
    if (index >= 0) merged[index] = entry;
    else merged.push(entry);
  }
  return merged;
}

/**
 * What Docker's daemon puts first in every container's environment, before the image's and the user's
 * entries replace or follow them: `docker run -t busybox env` prints PATH, HOSTNAME, TERM, then the rest
 * (HOME comes last, added by the executor when nothing set it).
 */
export function daemonEnv(hostname: string, tty: boolean): string[] {
  return [`PATH=${defaultPath}`, `HOSTNAME=${hostname}`, ...(tty ? ['TERM=xterm'] : [])];
}

/** The process a container runs, from its image config and the `run` flags. */
export function resolveProcess(image: ContainerConfig, request: ProcessRequest, hostname: string): ProcessSpec {
  const command = resolveArgs(image, request);
  const fromFiles = request.envFiles.flatMap((text) => parseEnvFile(text, request.callerEnv));
  const fromFlags = request.env.flatMap((entry) => parseEnvFlag(entry, request.callerEnv) ?? []);
  const env = [image.Env ?? [], fromFiles, fromFlags].reduce(mergeEnv, daemonEnv(hostname, request.tty));
  const cwd = request.workdir ?? (image.WorkingDir || '/');
  if (!cwd.startsWith('/')) throw new UserError(`the working directory '${cwd}' is invalid, it needs to be an absolute path`);
  return {
    args: request.init ? [initPath, '--', ...command] : command,
    env,
    cwd,
    user: request.user ?? image.User ?? '',
    ...(request.groupAdd.length > 0 ? { groupAdd: request.groupAdd } : {}),
    tty: request.tty,
  };
}
