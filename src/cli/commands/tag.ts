// `tsbuild tag SOURCE TARGET` (also `image tag`): another name for an existing image.
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import { parseTagReference } from '../../image/reference.js';
import { commandGroup, type CliContext } from '../context.js';

export function registerTag(program: Command, context: CliContext): void {
  const action = async (source: string, target: string): Promise<void> => {
    let ref;
    try {
      ref = parseTagReference(target);
    } catch (err) {
      // The Docker CLI's words around the reference error.
      if (err instanceof UserError) throw new UserError(`Error parsing reference: ${JSON.stringify(target)} is not a valid repository/tag: ${err.message}`);
      throw err;
    }
    const engine = await context.engine();
    const image = await engine.images.resolveWithDefaultTag(source);
    await engine.images.tag(ref, image.manifestDigest);
  };
  for (const command of [program.command('tag'), commandGroup(program, 'image', 'Manage images').command('tag')]) {
    command
      .description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
      .argument('<source>', 'SOURCE_IMAGE[:TAG]')
      .argument('<target>', 'TARGET_IMAGE[:TAG]')
      .action(action);
  }
}
