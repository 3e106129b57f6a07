// `tsbuild image prune [-a] [-f]`: removes dangling images (or with -a every image no container uses).
import type { Command } from 'commander';
import { imageRemovalGuards } from '../../engine-cache.js';
import { pruneImages, type RemovalEvent } from '../../image/remove.js';
import { commandGroup, confirm, type CliContext } from '../context.js';
import { humanSize } from '../format.js';

/** Docker's prune report: deleted images, then (system prune) build cache records, then the bytes freed. */
export function printRemovals(context: CliContext, events: RemovalEvent[], reclaimed: number, cacheDeleted: string[] = []): void {
  if (events.length > 0) {
    context.stdout.write('Deleted Images:\n');
    for (const e of events) context.stdout.write('untagged' in e ? `untagged: ${e.untagged}\n` : `deleted: ${e.deleted}\n`);
    context.stdout.write('\n');
  }
  if (cacheDeleted.length > 0) context.stdout.write(`Deleted build cache objects:\n${cacheDeleted.map((key) => `${key}\n`).join('')}\n`);
  // The docker CLI prints this with units.HumanSize: 4 significant digits ("1.986MB").
  context.stdout.write(`Total reclaimed space: ${humanSize(reclaimed, 4)}\n`);
}

export function registerImagePrune(program: Command, context: CliContext): void {
  commandGroup(program, 'image', 'Manage images')
    .command('prune')
    .description('Remove unused images')
    .option('-a, --all', 'remove all unused images, not just dangling ones')
    .option('-f, --force', 'do not prompt for confirmation')
    .action(async (opts: { all?: boolean; force?: boolean }) => {
      const warning = opts.all
        ? 'WARNING! This will remove all images without at least one container associated to them.'
        : 'WARNING! This will remove all dangling images.';
      if (!opts.force && !(await confirm(context, `${warning}\nAre you sure you want to continue?`))) return;
      const engine = await context.engine();
      const { events, reclaimed } = await pruneImages(engine.images, { all: opts.all ?? false, ...imageRemovalGuards(engine) });
      printRemovals(context, events, reclaimed);
    });
}
