// .dockerignore rules: pattern text → a matcher over context-relative paths. Text rules only, no I/O.

/** Patterns of a .dockerignore file: comments and blanks dropped, each pattern cleaned. */
export function parseDockerignore(_text: string): string[] {
  throw new Error('parseDockerignore: not implemented yet');
}

export interface IgnoreMatcher {
  /** True when `path` (context-relative, POSIX, no leading "/") is excluded from the context. */
  ignores(path: string): boolean;
  /** False when no exception pattern could re-include anything below the ignored directory `dir`, so a walk may skip it. */
  mayIncludeUnder(dir: string): boolean;
}

export function compileIgnore(_patterns: string[]): IgnoreMatcher {
  throw new Error('compileIgnore: not implemented yet');
}
