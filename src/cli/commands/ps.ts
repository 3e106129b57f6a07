// `tsbuild ps [-a] [-q] [--no-trunc] [--format T]` (also `container ls`): containers with Docker's columns and wording.
import type { Command } from 'commander';
import { listContainers } from '../../runtime/container.js';
import type { Container } from '../../runtime/store.js';
import { commandGroup, containerRuntime, type CliContext } from '../context.js';
import { createdAt, ellipsis, formatTable, humanDuration, timeAgo } from '../format.js';
import { renderRows } from '../list-format.js';

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

/** The fields `--format` sees, as the Docker CLI names them. */
function formatFields(container: Container, id: string, noTrunc: boolean): Record<string, string> {
  return {
    Command: containerCommand(container, noTrunc),
    CreatedAt: createdAt(container.config.created),
    ID: id,
    Image: container.config.image,
    Labels: '',
    LocalVolumes: '0',
    Mounts: '',
    Names: container.config.name,
    Networks: '',
    Ports: '',
    RunningFor: timeAgo(container.config.created),
    Size: 'N/A',
    State: container.state.status,
    Status: containerStatus(container),
  };
}

const columnTitles = { ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS', State: 'STATE', Status: 'STATUS', Size: 'SIZE', Names: 'NAMES', Labels: 'LABELS', Mounts: 'MOUNTS', Networks: 'NETWORKS', LocalVolumes: 'LOCAL VOLUMES' };

export function registerPs(program: Command, context: CliContext): void {
  const action = async (opts: { all?: boolean; quiet?: boolean; trunc: boolean; format?: string }): Promise<void> => {
    const runtime = await containerRuntime(context);
    const containers = (await listContainers(runtime)).filter((c) => opts.all || c.state.status === 'running').reverse();
    const id = (c: Container): string => (opts.trunc ? c.config.id.slice(0, 12) : c.config.id);
    if (opts.quiet) {
      context.stdout.write(containers.map((c) => `${id(c)}\n`).join(''));
      return;
    }
    if (opts.format !== undefined) {
      context.stdout.write(renderRows(opts.format, containers.map((c) => formatFields(c, id(c), !opts.trunc)), columnTitles));
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
      .option('--format <template>', "format output with a Go template ('table …' for a table)")
      .action(action);
  }
}
