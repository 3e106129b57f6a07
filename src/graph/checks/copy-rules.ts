// CopyIgnoredFile: a COPY/ADD from the build context that names a path the .dockerignore excludes. BuildKit
// finds it while dispatching, so only the steps of the stages built are judged, with the sources expanded.
import type { Dockerfile, IgnoreRules, Instruction } from '../../../grammar/index.js';
import { isRemoteSource } from '../dispatch.js';
import type { InstructionGraph } from '../types.js';
import type { Place, Report } from './report.js';
import { rules } from './rules.js';

export function checkIgnoredCopies(ast: Dockerfile, nodes: InstructionGraph['nodes'], ignore: IgnoreRules, report: Report): void {
  const byPosition = new Map<string, Instruction>(ast.instructions.map((instruction) => [position(instruction.range.start), instruction]));
  for (const node of nodes.values()) {
    const step = node.step;
    if (step.kind !== 'copy' || step.from.kind !== 'context' || node.source === undefined) continue;
    const instruction = byPosition.get(position(node.source));
    if (instruction === undefined) continue;
    // A base image's trigger points at the FROM that fired it, where no comment above can skip its rules.
    const place: Place = instruction.keyword === 'FROM' ? { range: instruction.range } : instruction;
    for (const source of step.sources) {
      if (source.content !== undefined || isRemoteSource(source.path)) continue;
      const ignored = ignore.ignoredCopySource(source.path);
      if (ignored !== undefined) report(rules.copyIgnoredFile, place, [step.instruction === 'ADD' ? 'Add' : 'Copy', ignored]);
    }
  }
}

function position({ line, column }: { line: number; column: number }): string {
  return `${line}:${column}`;
}
