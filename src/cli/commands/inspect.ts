// `tsbuild image inspect [-f FORMAT] IMAGE…` and `tsbuild inspect` (images for now; containers
// join when the runtime lands): Docker's JSON array, or one rendered --format line per object.
import type { Command } from 'commander';
import { imageDetails, inspectView } from '../../image/inspect.js';
import { commandGroup, type CliContext } from '../context.js';
import { renderTemplate } from '../template.js';

export function registerInspect(program: Command, context: CliContext): void {
  const action = async (names: string[], opts: { format?: string }): Promise<void> => {
    const engine = await context.engine();
    const views: unknown[] = [];
    for (const name of names) {
      try {
        const image = await engine.images.resolve(name);
        views.push(inspectView(await imageDetails(engine.images, image)));
      } catch (err) {
        context.fail(err);
      }
    }
    if (opts.format !== undefined && opts.format !== 'json') {
      for (const view of views) context.stdout.write(`${renderTemplate(opts.format, view)}\n`);
    } else {
      context.stdout.write(`${JSON.stringify(views, null, 4)}\n`);
    }
  };
  for (const command of [program.command('inspect'), commandGroup(program, 'image', 'Manage images').command('inspect')]) {
    command
      .description('Return low-level information on images')
      .argument('<name...>', 'images')
      .option('-f, --format <template>', 'format output using a Go template, or json')
      .option('--type <type>', 'only inspect objects of the given type (image)')
      .action(action);
  }
}
