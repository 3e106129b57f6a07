// `tsbuild rm [-f] NAME|ID…` (also `container rm`): removes containers, their rootfs and sandbox leftovers.
import type { Command } from 'commander';
import { recoverContainers, removeContainer } from '../../runtime/container.js';
import { commandGroup, containerRuntime, type CliContext } from '../context.js';

export function registerRm(program: Command, context: CliContext): void {
  const action = async (containers: string[], opts: { force?: boolean }): Promise<void> => {
    const runtime = await containerRuntime(context);
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
