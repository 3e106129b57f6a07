// AST ranges → SourceRefs carried by steps and DockerfileErrors.
import type { Range } from '../../grammar/index.js';
import { DockerfileError, type SourceRef } from '../errors.js';

export function sourceRef(file: string, range: Range): SourceRef {
  return { file, line: range.start.line, column: range.start.column, endLine: range.end.line, endColumn: range.end.column };
}

/** A DockerfileError pointing at `range`. */
export function dockerfileError(message: string, file: string, range: Range, cause?: unknown): DockerfileError {
  return new DockerfileError(message, { sources: [sourceRef(file, range)], cause });
}
