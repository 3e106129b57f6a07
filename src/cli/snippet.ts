// SourceRef → the Dockerfile lines around it, numbered, with the failing range marked: what the CLI prints
// under every Dockerfile error and failing step.
import type { SourceRef } from '../errors.js';

export interface SnippetOptions {
  /** Lines shown before and after the marked range. */
  context?: number;
}

/**
 * ```
 * Dockerfile:3:6
 *    2 |     WORKDIR /src
 *  > 3 |     COPY --from=Build /out /
 *      |          ^^^^^^^^^^^^
 *    4 |     RUN make
 * ```
 * A range over several lines marks each of them; tabs are kept in the underline so carets line up.
 */
export function renderSnippet(text: string, ref: SourceRef, options: SnippetOptions = {}): string {
  const context = options.context ?? 2;
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const startLine = clamp(ref.line, 1, lines.length);
  const endLine = clamp(Math.max(ref.endLine ?? ref.line, startLine), startLine, lines.length);
  const first = Math.max(1, startLine - context);
  const last = Math.min(lines.length, endLine + context);
  const width = String(last).length;
  const out = [`${ref.file}:${ref.line}:${ref.column}`];
  for (let n = first; n <= last; n++) {
    const line = lines[n - 1] ?? '';
    const marked = n >= startLine && n <= endLine;
    out.push(`${marked ? ' > ' : '   '}${String(n).padStart(width)} | ${line}`.trimEnd());
    if (!marked) continue;
    const from = n === startLine ? ref.column : firstNonBlank(line);
    const to = n === endLine && ref.endColumn !== undefined && (ref.endLine ?? ref.line) === n ? ref.endColumn : line.length + 1;
    out.push(`   ${' '.repeat(width)} | ${underline(line, from, to)}`);
  }
  return `${out.join('\n')}\n`;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), Math.max(min, max));
}

function firstNonBlank(line: string): number {
  const index = line.search(/\S/);
  return index < 0 ? 1 : index + 1;
}

/** Carets under columns [from, to) (at least one), indented with the line's own tabs. */
function underline(line: string, from: number, to: number): string {
  const indent = [...line.slice(0, Math.max(0, from - 1))].map((c) => (c === '\t' ? '\t' : ' ')).join('');
  return `${indent}${'^'.repeat(Math.max(1, to - from))}`;
}
