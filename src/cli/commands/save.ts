// `tsbuild save [-o FILE] IMAGE…` (also `image save`): one tar both docker-archive and OCI readers load.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import type { ArchiveImage } from '../../image/archive-write.js';
import { writeImageArchive } from '../../image/archive-write.js';
import { parseReference } from '../../image/reference.js';
import { commandGroup, type CliContext } from '../context.js';

export function registerSave(program: Command, context: CliContext): void {
  const action = async (names: string[], opts: { output?: string }): Promise<void> => {
    if (opts.output === undefined && context.stdout.isTTY) {
      throw new UserError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    }
    const engine = await context.engine();
    const wanted = new Map<string, ArchiveImage>();
    for (const name of names) {
      const image = await engine.images.resolve(name);
      const entry = wanted.get(image.manifestDigest) ?? { manifestDigest: image.manifestDigest, refs: [] };
      // A name saves that tag; an ID saves the image untagged, as docker does.
      const named = image.tags.map((t) => parseReference(t)).find((t) => {
        try {
          const ref = parseReference(name);
          return ref.domain === t.domain && ref.path === t.path && ref.tag === t.tag;
        } catch {
          return false;
        }
      });
      if (named && !entry.refs.some((r) => r.domain === named.domain && r.path === named.path && r.tag === named.tag)) entry.refs.push(named);
      wanted.set(image.manifestDigest, entry);
    }
    if (opts.output === undefined) {
      await writeImageArchive(engine.content, [...wanted.values()], context.stdout);
      return;
    }
    // Written beside the target and renamed, so a failed save leaves no half archive under the name.
    const temp = `${opts.output}.tsbuild-partial`;
    try {
      await writeImageArchive(engine.content, [...wanted.values()], createWriteStream(temp));
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
