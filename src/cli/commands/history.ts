// `tsbuild history [--no-trunc] [-q] IMAGE` (also `image history`): one row per history entry, newest first.
import type { Command } from 'commander';
import { imageDetails } from '../../image/inspect.js';
import { shortId } from '../../image/store.js';
import { commandGroup, type CliContext } from '../context.js';
import { ellipsis, formatTable, humanSize, timeAgo } from '../format.js';

export function registerHistory(program: Command, context: CliContext): void {
  const action = async (name: string, opts: { trunc: boolean; quiet?: boolean; human: boolean }): Promise<void> => {
    const engine = await context.engine();
    const details = await imageDetails(engine.images, await engine.images.resolve(name));
    const layers = [...details.manifest.layers];
    // Each non-empty history entry owns the next layer, in order.
    const rows = (details.config.history ?? []).map((entry) => ({ entry, size: entry.empty_layer ? 0 : (layers.shift()?.size ?? 0) }));
    rows.reverse();
    const id = (i: number): string => (i === 0 ? (opts.trunc ? shortId(details.image.id) : details.image.id) : '<missing>');
    if (opts.quiet) {
      rows.forEach((_, i) => context.stdout.write(`${id(i)}\n`));
      return;
    }
    const cells = rows.map(({ entry, size }, i) => {
      const createdBy = (entry.created_by ?? '').replace(/\s+/g, ' ');
      return [
        id(i),
        opts.human ? timeAgo(entry.created) : (entry.created ?? ''),
        opts.trunc ? ellipsis(createdBy, 45) : createdBy,
        opts.human ? humanSize(size) : String(size),
        entry.comment ?? '',
      ];
    });
    context.stdout.write(formatTable(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], cells));
  };
  for (const command of [program.command('history'), commandGroup(program, 'image', 'Manage images').command('history')]) {
    command
      .description('Show the history of an image')
      .argument('<image>', 'image')
      .option('--no-trunc', "don't truncate output")
      .option('-q, --quiet', 'only show image IDs')
      .option('-H, --human [bool]', 'print sizes and dates in human readable format', (v: string) => v !== 'false', true)
      .action(action);
  }
}
