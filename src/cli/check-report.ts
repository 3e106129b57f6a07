// The build-check warnings as `docker build` shows them: after a build a count and one line per warning
// (rule, BuildKit's message, Dockerfile line); for `build --check` each in full, with its Dockerfile lines.
import type { CheckWarning } from '../graph/index.js';
import { renderSnippet } from './snippet.js';

export function formatCheckWarnings(warnings: CheckWarning[]): string {
  if (warnings.length === 0) return '';
  // BuildKit names only the first line, even of an instruction that spans several (a COPY heredoc).
  const lines = warnings.map((warning) => ` - ${warning.rule}: ${warning.message} (line ${warning.range.start.line})`);
  return `\n ${warnings.length} ${warnings.length === 1 ? 'warning' : 'warnings'} found (use docker --debug to expand):\n${lines.join('\n')}\n`;
}

/** `build --check`'s report: the verdict, then each warning with its documentation link and the lines it is about. */
export function formatCheckReport(warnings: CheckWarning[], file: string, text: string): string {
  if (warnings.length === 0) return 'Check complete, no warnings found.\n';
  const count = warnings.length === 1 ? '1 warning has' : `${warnings.length} warnings have`;
  const blocks = warnings.map((warning) => {
    const { start, end } = warning.range;
    const snippet = renderSnippet(text, { file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column });
    return `WARNING: ${warning.rule} - ${warning.url}\n${warning.message}\n${snippet.trimEnd()}\n`;
  });
  return `Check complete, ${count} been found!\n\n${blocks.join('\n')}`;
}
