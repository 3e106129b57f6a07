// `tsbuild image inspect [-f FORMAT] IMAGE…` and `tsbuild inspect` (images for now; containers
// join when the runtime lands): Docker's JSON array, or one rendered --format line per object.
import type { Command } from 'commander';
import { NotFoundError } from '../../errors.js';
import { imageDetails, inspectNilFields, inspectView } from '../../image/inspect.js';
import { commandGroup, type CliContext } from '../context.js';
import { renderTemplate } from '../template.js';

export function registerInspect(program: Command, context: CliContext): void {
  /** `objects`: the plain `inspect`, which looks for any kind of object, and so says so when it finds none (as Docker does). */
  const action = (objects: boolean) => async (names: string[], opts: { format?: string }): Promise<void> => {
    const engine = await context.engine();
    const views: unknown[] = [];
    for (const name of names) {
      try {
        const image = await engine.images.find(name);
        if (image === undefined) throw new NotFoundError(`No such ${objects ? 'object' : 'image'}: ${name}`);
        views.push(inspectView(await imageDetails(engine.images, image)));
      } catch (err) {
        context.fail(err);
      }
    }
    if (opts.format !== undefined && opts.format !== 'json') {
      for (const view of views) context.stdout.write(`${renderTemplate(opts.format, view, { nilAs: inspectNilFields })}\n`);
    } else {
      context.stdout.write(`${JSON.stringify(views, null, 4)}\n`);
    }
  };
  for (const [command, objects] of [
    [program.command('inspect'), true],
    [commandGroup(program, 'image', 'Manage images').command('inspect'), false],
  ] as const) {
    command
      .description('Return low-level information on images')
      .argument('<name...>', 'images')
      .option('-f, --format <template>', 'format output using a Go template, or json')
      .option('--type <type>', 'only inspect objects of the given type (image)')
      .action(action(objects));
  }
}
