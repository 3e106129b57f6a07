// Shell-word expansion as BuildKit does it for Dockerfile arguments: $VAR, ${VAR…} operators,
// quotes and escapes, word splitting. The environment is passed in; nothing is read from the process.

export type Lookup = (name: string) => string | undefined;

export interface ExpandOptions {
  /** The Dockerfile's escape character (default backslash). */
  escape?: '\\' | '`';
  /** Windows semantics: variable names are case-insensitive. */
  caseInsensitive?: boolean;
}

export interface ExpandResult {
  value: string;
  /** Names that were looked up and found / not found (BuildKit tracks these to report unused build args). */
  matched: string[];
  unmatched: string[];
}

/** A malformed word (unterminated quote, bad substitution, `${VAR:?msg}` with VAR unset…). */
export class ExpandError extends Error {
  override name = 'ExpandError';
}

/** Expands one word without splitting (ENV values, WORKDIR, COPY paths…). */
export function expandWord(_word: string, _lookup: Lookup, _options: ExpandOptions = {}): ExpandResult {
  throw new Error('expandWord: not implemented yet');
}

/** Expands and splits into words as a shell would (unquoted expansions are field-split). */
export function expandWords(_word: string, _lookup: Lookup, _options: ExpandOptions = {}): string[] {
  throw new Error('expandWords: not implemented yet');
}
