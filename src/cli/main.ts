// The tsbuild command: the command table and the one catch that turns errors into messages and exit codes.
// Each command lives in commands/<name>.ts and exports register<Name>(program, context); add new ones
// to `registrations` below.
import { Command } from 'commander';
import { TsbuildError, exitCodes } from '../errors.js';
import { createContext, type CliContext } from './context.js';
import { registerBuild } from './commands/build.js';
import { registerBuilder } from './commands/builder.js';
import { registerGraph } from './commands/graph.js';
import { registerHistory } from './commands/history.js';
import { registerImages } from './commands/images.js';
import { registerImport } from './commands/import.js';
import { registerInspect } from './commands/inspect.js';
import { registerLoad } from './commands/load.js';
import { registerImagePrune } from './commands/prune.js';
import { registerPs } from './commands/ps.js';
import { registerRm } from './commands/rm.js';
import { registerRmi } from './commands/rmi.js';
import { registerRun } from './commands/run.js';
import { registerSave } from './commands/save.js';
import { registerSystem } from './commands/system.js';
import { registerSystemCheck } from './commands/system-check.js';
import { registerTag } from './commands/tag.js';

const registrations: ((program: Command, context: CliContext) => void)[] = [
  registerImages,
  registerImport,
  registerTag,
  registerRmi,
  registerInspect,
  registerHistory,
  registerSave,
  registerLoad,
  registerImagePrune,
  registerSystem,
  registerSystemCheck,
  registerGraph,
  registerBuild,
  registerBuilder,
  registerRun,
  registerPs,
  registerRm,
];

function createProgram(): { program: Command; context: CliContext } {
  const program = new Command('tsbuild')
    .description('Build OCI images from Dockerfiles and run them, daemonless')
    .version('0.1.0')
    .option('--root <dir>', 'state root (default /var/lib/tsbuild as root; env TSBUILD_ROOT)')
    .showHelpAfterError()
    .exitOverride();
  const context = createContext(program);
  for (const register of registrations) register(program, context);
  // Subcommands (including those of groups such as `image`) fail the same way as the top level.
  const configure = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(configure);
  };
  configure(program);
  return { program, context };
}

export async function main(argv: string[]): Promise<number> {
  const { program, context } = createProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return context.exitCode;
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
