// `tsbuild rmi [-f] IMAGE…` (also `image rm`): untag, or delete once nothing names the image.
import type { Command } from 'commander';
import { imageRemovalGuards } from '../../engine-cache.js';
import { removeImage } from '../../image/remove.js';
import { commandGroup, type CliContext } from '../context.js';

export function registerRmi(program: Command, context: CliContext): void {
  const action = async (refs: string[], opts: { force?: boolean }): Promise<void> => {
    const engine = await context.engine();
    for (const ref of refs) {
      try {
        const events = await removeImage(engine.images, ref, { force: opts.force, ...imageRemovalGuards(engine) });
        for (const event of events) context.stdout.write('untagged' in event ? `Untagged: ${event.untagged}\n` : `Deleted: ${event.deleted}\n`);
      } catch (err) {
        context.fail(err);
      }
    }
  };
  for (const command of [program.command('rmi'), commandGroup(program, 'image', 'Manage images').command('rm').alias('remove')]) {
    command
      .description('Remove one or more images')
      .argument('<image...>', 'images to remove')
      .option('-f, --force', 'force removal of the image')
      .option('--no-prune', 'do not delete untagged parents')
      .action(action);
  }
}
