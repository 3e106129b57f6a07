// What every command gets: the engine (opened lazily from --root / TSBUILD_ROOT), the streams, and a
// way to report one failed argument without aborting the others (as `docker rmi a b` does).
import { open } from 'node:fs/promises';
import type { Command } from 'commander';
import { resolveConfig } from '../config.js';
import type { Engine } from '../engine.js';
import { TsbuildError, UserError, exitCodes } from '../errors.js';
import type { RuntimeDeps } from '../runtime/container.js';

export interface CliContext {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** The caller's environment, for flags that read it (`-e K`, `--build-arg K`, `--secret env=`, `--ssh default`). */
  callerEnv: NodeJS.ProcessEnv;
  /** The command line as given (after the program name), for records keyed by the request (build replays). */
  argv: readonly string[];
  engine(): Promise<Engine>;
  /** Prints an error for one argument and makes the command exit non-zero at the end. */
  fail(err: unknown): void;
  exitCode: number;
}

export function createContext(program: Command, argv: readonly string[] = []): CliContext {
  let engine: Promise<Engine> | undefined;
  const context: CliContext = {
    stdout: process.stdout,
    stderr: process.stderr,
    // A getter: process.stdin makes its stream on first use (~1 ms), which most commands never need.
    get stdin() {
      return process.stdin;
    },
    callerEnv: process.env,
    argv,
    engine() {
      // Imported here: the stores are not needed to parse flags or print help.
      engine ??= import('../engine.js').then(({ openEngine }) => openEngine(resolveConfig({ root: program.opts<{ root?: string }>().root })));
      return engine;
    },
    fail(err) {
      if (!(err instanceof TsbuildError)) throw err;
      context.stderr.write(`ERROR: ${err.message}\n`);
      context.exitCode = Math.max(context.exitCode, exitCodes[err.code]);
    },
    exitCode: 0,
  };
  return context;
}

/**
 * The container runtime behind run/ps/rm. Imported on use, so other commands' startup skips the sandbox
 * and unpacking code; the import overlaps with opening the stores.
 */
export async function containerRuntime(context: CliContext): Promise<RuntimeDeps> {
  const [{ openRuntime }, engine] = await Promise.all([import('../engine-runtime.js'), context.engine()]);
  return openRuntime(engine);
}

/** Commander's argument parser for a repeatable flag (`-e A -e B`): each value joins the list given before. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The `image` / `system` / … group command, created once, so each file can add its subcommand. */
export function commandGroup(program: Command, name: string, description: string): Command {
  const existing = program.commands.find((c) => c.name() === name);
  if (existing) return existing;
  return program.command(name).description(description);
}

/** Reads a y/N answer from stdin (prune commands without --force). */
export async function confirm(context: CliContext, question: string): Promise<boolean> {
  context.stdout.write(`${question} [y/N] `);
  const answer = await new Promise<string>((resolve) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      if (text.includes('\n')) done();
    };
    const done = (): void => {
      context.stdin.off('data', onData);
      context.stdin.off('end', done);
      context.stdin.pause();
      resolve(text);
    };
    context.stdin.on('data', onData);
    context.stdin.on('end', done);
  });
  return /^\s*y(es)?\s*$/i.test(answer.split('\n')[0] ?? '');
}

/** A named file or "-" (stdin) as a byte stream; a missing file is a user error naming it. */
export async function openInput(context: CliContext, path: string): Promise<AsyncIterable<Uint8Array>> {
  if (path === '-') return context.stdin as AsyncIterable<Uint8Array>;
  try {
    const handle = await open(path, 'r');
    return handle.createReadStream({ highWaterMark: 1 << 20 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
}
