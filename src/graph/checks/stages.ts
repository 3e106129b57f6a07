// The Dockerfile split into its stages for the checks: a FROM and the instructions up to the next one
// (instructions before the first FROM are the global ARGs, which belong to no stage).
import type { Dockerfile, FromInstruction, Instruction } from '../../../grammar/index.js';

export interface CheckedStage {
  /** False for a stage the build does not dispatch (not needed by its target). */
  dispatched: boolean;
  from: FromInstruction;
  /** Lower-cased `AS` name, as stages are referred to. */
  name: string | undefined;
  instructions: Instruction[];
}

/** `dispatched`: indexes of the stages the build dispatches; without it, all. */
export function stagesOf(ast: Dockerfile, dispatched?: ReadonlySet<number>): CheckedStage[] {
  const stages: CheckedStage[] = [];
  for (const instruction of ast.instructions) {
    if (instruction.keyword === 'FROM') {
      const index = stages.length;
      stages.push({ dispatched: dispatched?.has(index) ?? true, from: instruction, name: instruction.stageName?.value.toLowerCase(), instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}
