// InvalidDefinitionDescription (experimental): the comment right above a named FROM or an ARG should start
// with the stage or argument name (`# base defines the shared layers`), as `--call=outline` reads it.
import type { Dockerfile } from '../../../grammar/index.js';
import type { Report } from './report.js';
import { rules } from './rules.js';

export function checkDefinitionDescriptions(ast: Dockerfile, report: Report): void {
  for (const instruction of ast.instructions) {
    let names: string[];
    if (instruction.keyword === 'FROM') names = instruction.stageName === undefined ? [] : [instruction.stageName.value.toLowerCase()];
    else if (instruction.keyword === 'ARG') names = instruction.args.map((arg) => arg.name.value);
    else continue;
    const last = instruction.comments.at(-1);
    if (last === undefined || names.length === 0 || names.includes(last.split(' ')[0] as string)) continue;
    report(rules.invalidDefinitionDescription, instruction, [instruction.keyword, names.length > 1 ? '<arg_key>' : (names[0] as string)]);
  }
}
