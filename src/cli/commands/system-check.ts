// `tsbuild system check [--clean]`: lists what sandboxes left behind (mounts, runc containers, network
// namespaces, veths, cgroups, bundles, address allocations) and removes it with --clean.
import type { Command } from 'commander';
import { resolveConfig } from '../../config.js';
import { findLeftovers, removeLeftovers } from '../../executor/leftovers.js';

export function registerSystemCheck(program: Command): void {
  const system = program.commands.find((command) => command.name() === 'system') ?? program.command('system').description('Manage tsbuild’s state on this host');
  system
    .command('check')
    .description('List leftovers of sandboxes (mounts, containers, netns, veths, cgroups, bundles); remove them with --clean')
    .option('--clean', 'remove the leftovers found')
    .action(async (options: { clean?: boolean }) => {
      const config = resolveConfig({ root: program.opts<{ root?: string }>().root });
      const leftovers = await findLeftovers(config.root);
      if (leftovers.length === 0) {
        process.stdout.write(`no leftovers under ${config.root}\n`);
        return;
      }
      for (const item of leftovers) process.stdout.write(`${item.kind.padEnd(9)} ${item.name}\n`);
      if (!options.clean) {
        process.stdout.write(`${leftovers.length} leftover(s); run with --clean to remove them\n`);
        return;
      }
      await removeLeftovers(leftovers);
      const remaining = await findLeftovers(config.root);
      process.stdout.write(`removed ${leftovers.length - remaining.length} of ${leftovers.length} leftover(s)\n`);
      for (const item of remaining) process.stdout.write(`still there: ${item.kind} ${item.name}\n`);
    });
}
