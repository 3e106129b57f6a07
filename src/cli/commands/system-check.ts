// `tsbuild system check [--clean]`: lists what sandboxes left behind (mounts, runc containers, network
// namespaces, veths, cgroups, bundles, address allocations) and removes it with --clean.
import type { Command } from 'commander';
import { resolveConfig } from '../../config.js';
import { findLeftovers, removeLeftovers } from '../../executor/leftovers.js';
import { commandGroup, type CliContext } from '../context.js';

export function registerSystemCheck(program: Command, context: CliContext): void {
  commandGroup(program, 'system', 'Manage tsbuild')
    .command('check')
    .description('List leftovers of sandboxes (mounts, containers, netns, veths, cgroups, bundles); remove them with --clean')
    .option('--clean', 'remove the leftovers found')
    .action(async (options: { clean?: boolean }) => {
      const config = resolveConfig({ root: program.opts<{ root?: string }>().root });
      const leftovers = await findLeftovers(config.root);
      if (leftovers.length === 0) {
        context.stdout.write(`no leftovers under ${config.root}\n`);
        return;
      }
      for (const item of leftovers) context.stdout.write(`${item.kind.padEnd(9)} ${item.name}\n`);
      if (!options.clean) {
        context.stdout.write(`${leftovers.length} leftover(s); run with --clean to remove them\n`);
        return;
      }
      await removeLeftovers(leftovers);
      const remaining = await findLeftovers(config.root);
      context.stdout.write(`removed ${leftovers.length - remaining.length} of ${leftovers.length} leftover(s)\n`);
      for (const item of remaining) context.stdout.write(`still there: ${item.kind} ${item.name}\n`);
    });
}
