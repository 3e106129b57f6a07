// `tsbuild rm [-f] NAME|ID…` (also `container rm`): removes containers, their rootfs and sandbox leftovers.
import type { Command } from 'commander';
import { recoverContainers, removeContainer } from '../../runtime/container.js';
import { commandGroup, type CliContext } from '../context.js';

export function registerRm(program: Command, context: CliContext): void {
  const action = async (containers: string[], opts: { force?: boolean }): Promise<void> => {
    // Loaded on use: the sandbox and unpacking code stay out of other commands' startup.
    const { openRuntime } = await import('../../engine-runtime.js');
    const runtime = await openRuntime(await context.engine());
    await recoverContainers(runtime);
    for (const nameOrId of containers) {
      try {
        context.stdout.write(`${await removeContainer(runtime, nameOrId, { force: opts.force ?? false })}\n`);
      } catch (err) {
        context.fail(err);
      }
    }
  };
  for (const command of [program.command('rm'), commandGroup(program, 'container', 'Manage containers').command('rm').alias('remove')]) {
    command
      .description('Remove one or more containers')
      .argument('<container...>', 'containers to remove')
      .option('-f, --force', 'force the removal of a running container (uses SIGKILL)')
      .action(action);
  }
}
