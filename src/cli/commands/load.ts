// `tsbuild load [-i FILE] [-q]` (also `image load`): docker-archive or OCI layout tars, gzip'd or not.
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { loadImageArchive } from '../../image/archive-read.js';
import { familiarReference } from '../../image/reference.js';
import { commandGroup, openInput, type CliContext } from '../context.js';

export function registerLoad(program: Command, context: CliContext): void {
  const action = async (opts: { input?: string; quiet?: boolean }): Promise<void> => {
    if (opts.input === undefined && context.stdin.isTTY) {
      throw new UserError('requested load from stdin, but stdin is empty');
    }
    const engine = await context.engine();
    const loaded = await loadImageArchive(engine.images, await openInput(context, opts.input ?? '-'));
    for (const { image, refs } of loaded) {
      if (refs.length === 0) context.stdout.write(`Loaded image ID: ${image.id}\n`);
      for (const ref of refs) context.stdout.write(`Loaded image: ${familiarReference(ref)}\n`);
    }
  };
  for (const command of [program.command('load'), commandGroup(program, 'image', 'Manage images').command('load')]) {
    command
      .description('Load an image from a tar archive or STDIN')
      .option('-i, --input <file>', 'read from tar archive file, instead of STDIN')
      .option('-q, --quiet', 'suppress the load output')
      .action(action);
  }
}
