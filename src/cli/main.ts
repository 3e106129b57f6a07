// The tsbuild command: the command table and the one catch that turns errors into messages and exit codes.
import { Command } from 'commander';
import { TsbuildError, exitCodes } from '../errors.js';

function createProgram(): Command {
  const program = new Command('tsbuild')
    .description('Build OCI images from Dockerfiles and run them, daemonless')
    .version('0.1.0')
    .option('--root <dir>', 'state root (default /var/lib/tsbuild as root; env TSBUILD_ROOT)')
    .showHelpAfterError()
    .exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof TsbuildError) {
    process.stderr.write(`ERROR: ${err.message}\n`);
    return exitCodes[err.code];
  }
  const commanderExit = err as { code?: string; exitCode?: number };
  if (typeof commanderExit.code === 'string' && commanderExit.code.startsWith('commander.')) {
    return commanderExit.exitCode ?? 1;
  }
  process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return exitCodes.internal;
}
