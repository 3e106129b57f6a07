// The Dockerfile split into its stages for the checks: a FROM and the instructions up to the next one
// (instructions before the first FROM are the global ARGs, which belong to no stage), plus what the build's
// dispatch knows of each stage it built: the base image's ONBUILD triggers and whether it starts with a SHELL.
import type { Dockerfile, FromInstruction, Instruction } from '../../../grammar/index.js';
import type { GraphStage } from '../types.js';

export interface CheckedStage {
  /** False for a stage the build does not dispatch (not needed by its target). */
  dispatched: boolean;
  from: FromInstruction;
  /** Lower-cased `AS` name, as stages are referred to. */
  name: string | undefined;
  instructions: Instruction[];
  /** The base image's ONBUILD triggers the build ran first in the stage (none without a build). */
  triggers: Instruction[];
  /** From the build: whether the base's config has a SHELL; undefined without a build (the text decides). */
  startsWithShell: boolean | undefined;
}

/** `dispatched`: the stages the build dispatched; without it, all, judged from the text alone. */
export function stagesOf(ast: Dockerfile, dispatched?: readonly GraphStage[]): CheckedStage[] {
  const byIndex = new Map(dispatched?.map((stage) => [stage.index, stage]));
  const stages: CheckedStage[] = [];
  for (const instruction of ast.instructions) {
    if (instruction.keyword === 'FROM') {
      const built = byIndex.get(stages.length);
      stages.push({
        dispatched: dispatched === undefined || built !== undefined,
        from: instruction,
        name: instruction.stageName?.value.toLowerCase(),
        instructions: [],
        triggers: built?.triggers ?? [],
        startsWithShell: built?.startsWithShell,
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}
