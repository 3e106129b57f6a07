// The Dockerfile split into its stages for the checks: a FROM and the instructions up to the next one
// (instructions before the first FROM are the global ARGs, which belong to no stage).
import type { Dockerfile, FromInstruction, Instruction } from '../../../grammar/index.js';

export interface CheckedStage {
  from: FromInstruction;
  /** Lower-cased `AS` name, as stages are referred to. */
  name: string | undefined;
  instructions: Instruction[];
}

export function stagesOf(ast: Dockerfile): CheckedStage[] {
  const stages: CheckedStage[] = [];
  for (const instruction of ast.instructions) {
    if (instruction.keyword === 'FROM') stages.push({ from: instruction, name: instruction.stageName?.value.toLowerCase(), instructions: [] });
    else stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}
