// Diagnostics: what the grammar returns instead of throwing. Positions come from the AST ranges.
import type { Range } from './ast.js';

export interface Diagnostic {
  severity: 'error' | 'warning';
  /** Stable identifier tests and tools can match on, e.g. `unknown-instruction`, `unknown-flag`. */
  code: string;
  /** Plain words, no position (the CLI prints `file:line:column` from `range`). */
  message: string;
  range: Range;
  /** e.g. `did you mean COPY?` */
  hint?: string;
  /**
   * `syntax`: the text cannot be read as Dockerfile lines at all (BuildKit's parser fails);
   * `validation`: the lines parse but an instruction's arguments or flags are wrong. Always set by grammar/.
   */
  phase?: 'syntax' | 'validation';
}
