// `tsbuild import [-c CHANGE] [-m MSG] FILE|- [REF]`: a rootfs tarball becomes a one-layer image.
import type { Command } from 'commander';
import { importRootfs } from '../../image/import.js';
import { parseTagReference } from '../../image/reference.js';
import { openInput, type CliContext } from '../context.js';

export function registerImport(program: Command, context: CliContext): void {
  program
    .command('import')
    .description('Import the contents from a tarball to create a filesystem image')
    .argument('<file>', 'tarball (plain, gzip or xz), or - for stdin')
    .argument('[reference]', 'REPOSITORY[:TAG]')
    .option('-c, --change <instruction>', 'apply a Dockerfile instruction to the created image', (v: string, all: string[]) => [...all, v], [])
    .option('-m, --message <text>', 'set commit message for imported image')
    .action(async (file: string, reference: string | undefined, opts: { change: string[]; message?: string }) => {
      const ref = reference === undefined ? undefined : parseTagReference(reference);
      const engine = await context.engine();
      const source = await openInput(context, file);
      const image = await importRootfs(engine.images, source, {
        changes: opts.change,
        message: opts.message,
        // The Docker CLI streams a named file to the daemon as it does stdin, so its history says "Imported from -".
        sourceName: '-',
        ref,
      });
      context.stdout.write(`${image.id}\n`);
    });
}
