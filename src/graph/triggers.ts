// A base image's ONBUILD triggers as instructions: each stored text parsed as a one-line Dockerfile (heredoc
// bodies included), for planning (the stages and images they read from) and for dispatch.
import { parseDockerfile, type Instruction, type Range } from '../../grammar/index.js';
import type { ContainerConfig } from '../image/oci.js';
import { dockerfileError } from './source-ref.js';

/** The triggers of `config`, in order; a trigger that does not parse is an error at the FROM that fires it. */
export function parseTriggers(config: ContainerConfig | undefined, file: string, fromRange: Range): Instruction[] {
  return (config?.OnBuild ?? []).map((text) => {
    const { ast, diagnostics } = parseDockerfile(text, { file });
    const error = diagnostics.find((d) => d.severity === 'error');
    const instruction = ast.instructions[0];
    if (error !== undefined || instruction === undefined) {
      throw dockerfileError(`invalid ONBUILD trigger ${JSON.stringify(text)}: ${error?.message ?? 'empty'}`, file, fromRange);
    }
    return instruction;
  });
}
