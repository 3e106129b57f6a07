// `tsbuild save [-o FILE] IMAGE…` (also `image save`): one tar both docker-archive and OCI readers load.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { selectImagesToSave, writeImageArchive } from '../../image/archive-write.js';
import { commandGroup, type CliContext } from '../context.js';

export function registerSave(program: Command, context: CliContext): void {
  const action = async (names: string[], opts: { output?: string }): Promise<void> => {
    if (opts.output === undefined && context.stdout.isTTY) {
      throw new UserError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    }
    const engine = await context.engine();
    const selected = await selectImagesToSave(engine.images, names);
    if (opts.output === undefined) {
      await writeImageArchive(engine.content, selected, context.stdout);
      return;
    }
    // Written beside the target and renamed, so a failed save leaves no half archive under the name.
    const temp = `${opts.output}.tsbuild-partial`;
    try {
      await writeImageArchive(engine.content, selected, createWriteStream(temp));
      await rename(temp, opts.output);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  };
  for (const command of [program.command('save'), commandGroup(program, 'image', 'Manage images').command('save')]) {
    command
      .description('Save one or more images to a tar archive (streamed to STDOUT by default)')
      .argument('<image...>', 'images')
      .option('-o, --output <file>', 'write to a file, instead of STDOUT')
      .action(action);
  }
}
