// `tsbuild ps [-a] [-q] [--no-trunc]` (also `container ls`): containers with Docker's columns and wording.
import type { Command } from 'commander';
import { listContainers } from '../../runtime/container.js';
import type { Container } from '../../runtime/store.js';
import { commandGroup, containerRuntime, type CliContext } from '../context.js';
import { ellipsis, formatTable, humanDuration, timeAgo } from '../format.js';

/** Docker's STATUS column: "Up 3 seconds", "Exited (0) 3 seconds ago", "Created". */
export function containerStatus(container: Container, now = Date.now()): string {
  const { state } = container;
  const since = (iso: string | undefined): string => humanDuration(Math.max(0, now - Date.parse(iso ?? container.config.created)));
  if (state.status === 'running') return `Up ${since(state.startedAt)}`;
  if (state.status === 'exited') return `Exited (${state.exitCode ?? 0}) ${since(state.finishedAt)} ago`;
  return 'Created';
}

/** An argument as a shell would need it: bare when plain, else in single quotes (`bash -c 'exit 1'`). */
function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Docker's COMMAND column: the command line, cut to 20 characters unless --no-trunc, then double-quoted. */
export function containerCommand(container: Container, noTrunc: boolean): string {
  const line = container.config.command.map(shellWord).join(' ');
  return JSON.stringify(noTrunc ? line : ellipsis(line, 20));
}

export function registerPs(program: Command, context: CliContext): void {
  const action = async (opts: { all?: boolean; quiet?: boolean; trunc: boolean }): Promise<void> => {
    const runtime = await containerRuntime(context);
    const containers = (await listContainers(runtime)).filter((c) => opts.all || c.state.status === 'running').reverse();
    const id = (c: Container): string => (opts.trunc ? c.config.id.slice(0, 12) : c.config.id);
    if (opts.quiet) {
      context.stdout.write(containers.map((c) => `${id(c)}\n`).join(''));
      return;
    }
    const rows = containers.map((c) => [id(c), c.config.image, containerCommand(c, !opts.trunc), timeAgo(c.config.created), containerStatus(c), '', c.config.name]);
    context.stdout.write(formatTable(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], rows));
  };
  for (const command of [program.command('ps'), commandGroup(program, 'container', 'Manage containers').command('ls').aliases(['ps', 'list'])]) {
    command
      .description('List containers')
      .option('-a, --all', 'show all containers (default shows just running)')
      .option('-q, --quiet', 'only display container IDs')
      .option('--no-trunc', "don't truncate output")
      .action(action);
  }
}
