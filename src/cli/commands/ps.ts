// `tsbuild ps [-a] [-q] [--no-trunc] [--format T] [-f K=V]…` (also `container ls`): containers with Docker's
// columns, wording and filters.
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { listContainers } from '../../runtime/container.js';
import type { Container } from '../../runtime/store.js';
import { collect, commandGroup, containerRuntime, type CliContext } from '../context.js';
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

const filterKeys = ['id', 'name', 'label', 'status', 'exited'] as const;

/**
 * Docker's `--filter` tests: values of one key are alternatives, keys must all hold. `label=K` asks for the
 * label, `label=K=V` for its value; `name` is a regular expression, `id` a prefix.
 */
export function containerFilter(specs: string[]): (container: Container) => boolean {
  const byKey = new Map<string, string[]>();
  for (const spec of specs) {
    const at = spec.indexOf('=');
    const key = at === -1 ? spec : spec.slice(0, at);
    if (at === -1 || !(filterKeys as readonly string[]).includes(key)) throw new UserError(`invalid filter '${key}'`);
    byKey.set(key, [...(byKey.get(key) ?? []), spec.slice(at + 1)]);
  }
  const test: Record<(typeof filterKeys)[number], (c: Container, value: string) => boolean> = {
    id: (c, value) => c.config.id.startsWith(value),
    name: (c, value) => new RegExp(value).test(c.config.name),
    label: (c, value) => {
      const at = value.indexOf('=');
      const labels = c.config.labels ?? {};
      return at === -1 ? value in labels : labels[value.slice(0, at)] === value.slice(at + 1);
    },
    status: (c, value) => c.state.status === value,
    exited: (c, value) => c.state.status === 'exited' && c.state.exitCode === Number(value),
  };
  return (container) => [...byKey].every(([key, values]) => values.some((value) => test[key as (typeof filterKeys)[number]](container, value)));
}

/** Docker's Labels field: `K=V` pairs joined by commas (sorted here; Docker's order is its map's). */
function labelsText(container: Container): string {
  return Object.entries(container.config.labels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .sort()
    .join(',');
}

/** The fields `--format` sees, as the Docker CLI names them. */
function formatFields(container: Container, id: string, noTrunc: boolean): Record<string, string> {
  return {
    Command: containerCommand(container, noTrunc),
    CreatedAt: createdAt(container.config.created),
    ID: id,
    Image: container.config.image,
    Labels: labelsText(container),
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
  const action = async (opts: { all?: boolean; quiet?: boolean; trunc: boolean; format?: string; filter: string[] }): Promise<void> => {
    const matches = containerFilter(opts.filter);
    // A status or exited filter looks past the running ones, as -a does.
    const all = opts.all === true || opts.filter.some((spec) => spec.startsWith('status=') || spec.startsWith('exited='));
    const runtime = await containerRuntime(context);
    const containers = (await listContainers(runtime)).filter((c) => (all || c.state.status === 'running') && matches(c)).reverse();
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
      .option('-f, --filter <K=V>', 'filter output based on conditions provided (id, name, label, status, exited)', collect, [])
      .action(action);
  }
}
