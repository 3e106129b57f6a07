// Entry point of the parser: Dockerfile text → AST + diagnostics (never throws on bad input).
import type { Dockerfile } from './ast.js';
import type { Diagnostic } from './diagnostics.js';

export interface ParseOptions {
  /** File name used in ranges and messages (default `Dockerfile`). */
  file?: string;
}

export interface ParseResult {
  /** Always present; instructions that failed to parse are left out. */
  ast: Dockerfile;
  /** Errors make the file unusable; warnings (e.g. empty continuation lines) do not. */
  diagnostics: Diagnostic[];
}

export function parseDockerfile(_text: string, _options: ParseOptions = {}): ParseResult {
  throw new Error('parseDockerfile: not implemented yet');
}
