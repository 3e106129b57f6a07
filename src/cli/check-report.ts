// The build-check warnings as `docker build` lists them after a build: a count, then one line per warning
// with the rule, BuildKit's message and the Dockerfile line.
import type { CheckWarning } from '../graph/index.js';

export function formatCheckWarnings(warnings: CheckWarning[]): string {
  if (warnings.length === 0) return '';
  const lines = warnings.map((warning) => {
    const { start, end } = warning.range;
    const where = end.line > start.line ? `lines ${start.line}-${end.line}` : `line ${start.line}`;
    return ` - ${warning.rule}: ${warning.message} (${where})`;
  });
  return `\n ${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'} found (use docker --debug to expand):\n${lines.join('\n')}\n`;
}
