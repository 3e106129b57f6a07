// `tsbuild builder prune [-a] [-f] [--keep-storage SIZE] [--filter until=DURATION]`: removes build cache
// as `docker builder prune` does. Without -a only dangling records go (those no step's newest build
// used); see cache/gc.ts for how -a, until and --keep-storage combine.
import { Option, type Command } from 'commander';
import { collectCache, pruneCache } from '../../engine-cache.js';
import { UserError } from '../../errors.js';
import { parseBytes } from '../../runtime/volumes.js';
import { collect, commandGroup, confirm, type CliContext } from '../context.js';
import { printRemovals } from './prune.js';

interface PruneOptions {
  all?: boolean;
  force?: boolean;
  keepStorage?: string;
  filter: string[];
  auto?: boolean;
}

/** `--filter until=24h` (or its older name unused-for) → milliseconds; other filters are refused. */
async function unusedForMs(filters: string[]): Promise<number | undefined> {
  let ms: number | undefined;
  for (const filter of filters) {
    const eq = filter.indexOf('=');
    const key = eq < 0 ? filter : filter.slice(0, eq);
    if (key !== 'until' && key !== 'unused-for') throw new UserError(`invalid filter '${key}'`);
    // Loaded only here: the grammar package (and its parser) costs time every other prune would pay.
    const { parseGoDuration } = await import('../../../grammar/index.js');
    const nanos = parseGoDuration(filter.slice(eq + 1));
    if (eq < 0 || nanos === undefined || nanos < 0) throw new UserError(`invalid filter '${filter}': expected a duration such as until=24h`);
    ms = nanos / 1e6;
  }
  return ms;
}

export function registerBuilder(program: Command, context: CliContext): void {
  commandGroup(program, 'builder', 'Manage builds')
    .command('prune')
    .description('Remove build cache')
    .option('-a, --all', 'remove all unused build cache, not just dangling ones')
    .option('-f, --force', 'do not prompt for confirmation')
    .option('--keep-storage <size>', 'amount of disk space to keep for cache')
    .option('--filter <filter>', "provide filter values (e.g. 'until=24h')", collect, [])
    // What a build starts in the background (src/cli/cache-gc.ts): the default policies, silently.
    .addOption(new Option('--auto').hideHelp())
    .action(async (opts: PruneOptions) => {
      if (opts.auto) {
        await collectCache(await context.engine());
        return;
      }
      const keepBytes = opts.keepStorage === undefined ? undefined : parseBytes(opts.keepStorage);
      const unused = await unusedForMs(opts.filter);
      const warning = opts.all ? 'WARNING! This will remove all build cache.' : 'WARNING! This will remove all dangling build cache.';
      if (!opts.force && !(await confirm(context, `${warning} Are you sure you want to continue?`))) return;
      const engine = await context.engine();
      const result = await pruneCache(engine, { all: opts.all ?? false, unusedForMs: unused, keepBytes: keepBytes === 0 ? undefined : keepBytes });
      printRemovals(context, [], result.reclaimedBytes, result.deleted);
    });
}
