// `tsbuild history [--no-trunc] [-q] [--format T] IMAGE` (also `image history`): one row per history entry, newest first.
import type { Command } from 'commander';
import { imageDetails } from '../../image/inspect.js';
import { shortId } from '../../image/store.js';
import { commandGroup, type CliContext } from '../context.js';
import { createdAt, ellipsis, formatTable, humanSize, timeAgo } from '../format.js';
import { renderRows } from '../list-format.js';

const columnTitles = { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' };

export function registerHistory(program: Command, context: CliContext): void {
  const action = async (name: string, opts: { trunc: boolean; quiet?: boolean; human: boolean; format?: string }): Promise<void> => {
    const engine = await context.engine();
    const details = await imageDetails(engine.images, await engine.images.resolveWithDefaultTag(name));
    const layerSizes = [...details.layerSizes];
    // Each non-empty history entry owns the next layer, in order.
    const rows = (details.config.history ?? []).map((entry) => ({ entry, size: entry.empty_layer ? 0 : (layerSizes.shift() ?? 0) }));
    rows.reverse();
    const id = (i: number): string => (i === 0 ? (opts.trunc ? shortId(details.image.id) : details.image.id) : '<missing>');
    if (opts.quiet) {
      rows.forEach((_, i) => context.stdout.write(`${id(i)}\n`));
      return;
    }
    if (opts.format !== undefined) {
      const fields = rows.map(({ entry, size }, i) => ({
        Comment: entry.comment ?? '',
        CreatedAt: createdAt(entry.created),
        CreatedBy: entry.created_by ?? '',
        CreatedSince: timeAgo(entry.created),
        ID: id(i),
        Size: humanSize(size),
      }));
      context.stdout.write(renderRows(opts.format, fields, columnTitles));
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
      .option('--format <template>', "format output with a Go template ('table …' for a table)")
      .action(action);
  }
}
