// The tsbuild command: the command table and the one catch that turns errors into messages and exit codes.
// Each command lives in commands/<name>.ts and exports register<Name>(program, context); add new ones to
// `commands` below. A command's module is imported only when argv names it (startup is most of a short
// `tsbuild run`); any other word is the default `build`'s (`tsbuild -t app .`), and help loads the whole table.
import { Command } from 'commander';
import { TsbuildError, exitCodes } from '../errors.js';
import { leadingRoot } from './argv-root.js';
import { createContext, type CliContext } from './context.js';

type Register = (program: Command, context: CliContext) => void;

export interface CommandEntry {
  /** The top-level words the module registers (its command and the groups it adds subcommands to). */
  words: string[];
  load: () => Promise<Register>;
}

const commands: CommandEntry[] = [
  { words: ['images', 'image'], load: async () => (await import('./commands/images.js')).registerImages },
  { words: ['import'], load: async () => (await import('./commands/import.js')).registerImport },
  { words: ['tag', 'image'], load: async () => (await import('./commands/tag.js')).registerTag },
  { words: ['rmi', 'image'], load: async () => (await import('./commands/rmi.js')).registerRmi },
  { words: ['inspect', 'image'], load: async () => (await import('./commands/inspect.js')).registerInspect },
  { words: ['history', 'image'], load: async () => (await import('./commands/history.js')).registerHistory },
  { words: ['save', 'image'], load: async () => (await import('./commands/save.js')).registerSave },
  { words: ['load', 'image'], load: async () => (await import('./commands/load.js')).registerLoad },
  { words: ['image'], load: async () => (await import('./commands/prune.js')).registerImagePrune },
  { words: ['system'], load: async () => (await import('./commands/system.js')).registerSystem },
  { words: ['system'], load: async () => (await import('./commands/system-check.js')).registerSystemCheck },
  { words: ['graph'], load: async () => (await import('./commands/graph.js')).registerGraph },
  { words: ['build'], load: async () => (await import('./commands/build.js')).registerBuild },
  { words: ['builder'], load: async () => (await import('./commands/builder.js')).registerBuilder },
  { words: ['run', 'container'], load: async () => (await import('./commands/run.js')).registerRun },
  { words: ['ps', 'container'], load: async () => (await import('./commands/ps.js')).registerPs },
  { words: ['rm', 'container'], load: async () => (await import('./commands/rm.js')).registerRm },
];

const versionFlags = new Set(['-V', '--version']);
const helpWords = new Set(['help', '-h', '--help']);

/**
 * The entries argv needs: those registering its command word, none for a bare --version, all for help,
 * and the default command's for any other word — a build flag or context (`tsbuild -q -t app .`).
 */
export function commandsFor(argv: string[]): CommandEntry[] {
  // Only the program's own option may come before the command word; anything else is left to commander.
  const index = leadingRoot(argv).next;
  const word = argv[index];
  if (word === undefined || helpWords.has(word)) return commands;
  if (versionFlags.has(word)) return index === argv.length - 1 ? [] : commands;
  const named = commands.filter((entry) => entry.words.includes(word));
  return named.length > 0 ? named : commands.filter((entry) => entry.words.includes('build'));
}

async function createProgram(argv: string[]): Promise<{ program: Command; context: CliContext }> {
  const program = new Command('tsbuild')
    .description('Build OCI images from Dockerfiles and run them, daemonless')
    .version('0.1.0')
    .option('--root <dir>', 'state root (default /var/lib/tsbuild as root; env TSBUILD_ROOT)')
    // Flags after a command belong to it (`run IMAGE CMD --flag` passes --flag to CMD), so program options come first.
    .enablePositionalOptions()
    .exitOverride();
  const context = createContext(program, argv);
  const registrations = await Promise.all(commandsFor(argv).map((entry) => entry.load()));
  for (const register of registrations) register(program, context);
  // Every command (including those of groups such as `image`) fails as Docker's do: the error, then
  // "See 'tsbuild image ls --help'." instead of the whole help text, and exit code 125.
  const configure = (command: Command): void => {
    command
      .exitOverride()
      .showHelpAfterError(`See '${commandPath(command)} --help'.`)
      .configureOutput({ outputError: (text, write) => write(dockerUnknownFlag(text)) });
    command.commands.forEach(configure);
  };
  configure(program);
  return { program, context };
}

/** Commander's "error: unknown option '--x'" in the words of Docker's CLI (cobra): `unknown flag: --x`, `unknown shorthand flag: 'x' in -x`. */
function dockerUnknownFlag(text: string): string {
  const flag = /^error: unknown option '(.*)'/.exec(text)?.[1];
  if (flag === undefined) return text;
  return `${flag.startsWith('--') ? `unknown flag: ${flag}` : `unknown shorthand flag: '${flag.slice(1, 2)}' in ${flag}`}\n`;
}

/** The Docker CLI's exit status for a bad flag or argument. */
const usageExitCode = 125;

function commandPath(command: Command): string {
  return command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name();
}

export async function main(argv: string[]): Promise<number> {
  const { program, context } = await createProgram(argv);
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
    // Help and --version end with 0; a bad flag or argument is a usage error, 125 as in the Docker CLI.
    return commanderExit.exitCode === 0 ? 0 : usageExitCode;
  }
  process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return exitCodes.internal;
}
