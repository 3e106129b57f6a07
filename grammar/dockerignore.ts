// .dockerignore rules: pattern text → a matcher over context-relative paths. Text rules only, no I/O.
// Semantics are Docker's (moby/patternmatcher + its ignorefile reader); the glob language is Go's
// filepath.Match plus `**`, and the same glob compiler serves COPY source wildcards through `matchGlob`.

/** The ignore file at the context root, used when the Dockerfile has no `<Dockerfile>.dockerignore` beside it. */
export const DOCKERIGNORE_FILE = '.dockerignore';

/**
 * The Dockerfile-specific ignore file: `<path of the Dockerfile>.dockerignore`, next to the Dockerfile.
 * When it exists it replaces the context's `.dockerignore` entirely (the two are not merged).
 */
export function dockerignorePathFor(dockerfilePath: string): string {
  return `${dockerfilePath}.dockerignore`;
}

/** A pattern Go's filepath.Match would reject (unclosed `[`, trailing `\`…), or a lone `!`. */
export class PatternSyntaxError extends Error {
  override name = 'PatternSyntaxError';
}

/** Patterns of a .dockerignore file: comments and blanks dropped, each pattern cleaned. */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (const rawLine of lines) {
    // A comment is a `#` in the very first column; an indented `#` is part of a pattern.
    if (rawLine.startsWith('#')) continue;
    let pattern = trimGoSpace(rawLine);
    if (pattern === '') continue;
    const exclusion = pattern.startsWith('!');
    if (exclusion) pattern = trimGoSpace(pattern.slice(1));
    if (pattern !== '') {
      pattern = cleanPath(pattern);
      // patterns are relative to the context root even when written absolute
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(exclusion ? `!${pattern}` : pattern);
  }
  return patterns;
}

export interface IgnoreMatcher {
  /** True when `path` (context-relative, POSIX, no leading "/") is excluded from the context. */
  ignores(path: string): boolean;
  /**
   * False when no exception pattern could re-include anything below the ignored directory `dir`, so a walk
   * may skip it.
   */
  mayIncludeUnder(dir: string): boolean;
}

/** A compiled ignore file: the matcher, and what the build checks ask of it. */
export interface IgnoreRules extends IgnoreMatcher {
  /**
   * BuildKit's CopyIgnoredFile test of a COPY/ADD source as written: its cleaned path when the patterns
   * exclude it, else undefined. Never with `!` exceptions (too hard to judge without the files); `.` and `/`
   * only when a pattern excludes every root entry; an absolute path is matched as written, so never.
   */
  ignoredCopySource(source: string): string | undefined;
}

/** Patterns that exclude every entry at the context root. */
const everythingPatterns = new Set(['*', '**', '**/*']);

interface IgnorePattern {
  exclusion: boolean;
  cleaned: string;
  matches: (path: string) => boolean;
}

export function compileIgnore(patterns: string[]): IgnoreRules {
  const compiled: IgnorePattern[] = [];
  for (const text of patterns) {
    let pattern = trimGoSpace(text);
    if (pattern === '') continue;
    pattern = cleanPath(pattern);
    const exclusion = pattern.startsWith('!');
    if (exclusion) {
      if (pattern.length === 1) throw new PatternSyntaxError('illegal exclusion pattern: "!"');
      pattern = pattern.slice(1);
    }
    compiled.push({ exclusion, cleaned: pattern, matches: compileDockerPattern(pattern) });
  }
  const exclusions = compiled.filter((p) => p.exclusion);

  const ignores = (path: string): boolean => {
    const file = cleanPath(path);
    if (file === '.') return false; // the context root itself is never excluded
    const parents = parentDirs(file);
    let ignored = false;
    for (const pattern of compiled) {
      // Later patterns win, so only a pattern that could flip the current answer is evaluated.
      if (pattern.exclusion !== ignored) continue;
      // A pattern that matches a parent directory matches everything inside it (`foo` excludes `foo/bar`).
      if (pattern.matches(file) || parents.some(pattern.matches)) ignored = !pattern.exclusion;
    }
    return ignored;
  };
  return {
    ignores,
    mayIncludeUnder(dir) {
      const dirSegments = cleanPath(dir).split('/');
      return exclusions.some((p) => mayMatchAtOrBelow(p.cleaned, dirSegments));
    },
    ignoredCopySource(source) {
      if (exclusions.length > 0) return undefined;
      const cleaned = cleanPath(source);
      if (cleaned === '.' || cleaned === '/') return compiled.some((p) => everythingPatterns.has(p.cleaned)) ? cleaned : undefined;
      return !cleaned.startsWith('/') && ignores(cleaned) ? cleaned : undefined;
    },
  };
}

/** Go's filepath.Match: `*` and `?` stop at `/`, `[a-z]`/`[^…]` classes, `\` escapes. Throws on a bad pattern. */
export function matchGlob(pattern: string, path: string): boolean {
  return compileGlob(pattern)(path);
}

/** `matchGlob` with the pattern compiled once, for matching many names (a directory walk). */
export function compileGlob(pattern: string): (path: string) => boolean {
  const re = new RegExp(`^${translateGlob(pattern, false).source}$`, 'u');
  return (path) => re.test(path);
}

/** "a/b/c" → ["a", "a/b"]. */
function parentDirs(file: string): string[] {
  const segments = file.split('/');
  const parents: string[] = [];
  for (let i = 1; i < segments.length; i++) parents.push(segments.slice(0, i).join('/'));
  return parents;
}

/**
 * Conservative: false only when the pattern certainly matches neither `dir`, an ancestor of it, nor
 * anything below it — compared segment by segment, giving up (true) at any `**` or odd segment.
 */
function mayMatchAtOrBelow(pattern: string, dirSegments: string[]): boolean {
  const patternSegments = pattern.split('/');
  for (let k = 0; k < patternSegments.length; k++) {
    const segment = patternSegments[k]!;
    const dirSegment = dirSegments[k];
    if (segment.includes('**') || dirSegment === undefined) return true;
    try {
      if (!matchGlob(segment, dirSegment)) return false;
    } catch {
      return true; // the segment cut through a class or escape; cannot judge it alone
    }
  }
  return true;
}

/**
 * Docker's matcher for one cleaned pattern. Patterns without wildcards compare as plain strings, `foo/**`
 * as a prefix and `**\/foo` as a suffix; those shortcuts are observable (`**foo` matches `barfoo`,
 * `foo**` matches `foobar`), so they are kept rather than folded into the regex.
 */
function compileDockerPattern(pattern: string): (path: string) => boolean {
  const { source, kind } = translateGlob(pattern, true);
  switch (kind) {
    case 'exact':
      return (path) => path === pattern;
    case 'prefix': {
      const prefix = pattern.slice(0, -2);
      return (path) => path.startsWith(prefix);
    }
    case 'suffix': {
      const suffix = pattern.slice(2);
      return (path) => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
    }
    case 'regexp': {
      const re = new RegExp(`^${source}$`, 'u');
      return (path) => re.test(path);
    }
  }
}

type MatchKind = 'exact' | 'prefix' | 'suffix' | 'regexp';

/**
 * Glob → RegExp source (without anchors) plus the kind of match Docker would use. With `doubleStar`,
 * `**` matches across directories (`**\/` swallowing its slash) as in .dockerignore; without it, as in
 * filepath.Match, `**` is just two stars. Validates the whole pattern as filepath.Match does.
 */
function translateGlob(pattern: string, doubleStar: boolean): { source: string; kind: MatchKind } {
  const chars = Array.from(pattern);
  let source = '';
  let kind: MatchKind = 'exact';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const atStart = i === 0;
    if (ch === '*' && doubleStar && chars[i + 1] === '*') {
      i++;
      if (chars[i + 1] === '/') i++;
      if (i + 1 >= chars.length) {
        // a trailing `**` accepts everything below, as .gitignore does
        if (kind === 'exact') kind = 'prefix';
        else {
          source += '.*';
          kind = 'regexp';
        }
      } else {
        source += '(?:.*/)?';
        kind = 'regexp';
      }
      if (atStart) kind = 'suffix';
    } else if (ch === '*') {
      source += '[^/]*';
      kind = 'regexp';
    } else if (ch === '?') {
      source += '[^/]';
      kind = 'regexp';
    } else if (ch === '\\') {
      const escaped = chars[++i];
      if (escaped === undefined) throw patternError(pattern, 'trailing backslash');
      source += literal(escaped);
      kind = 'regexp';
    } else if (ch === '[') {
      const { classSource, end } = translateClass(chars, i + 1, pattern);
      source += classSource;
      i = end;
      kind = 'regexp';
    } else {
      source += literal(ch);
    }
  }
  return { source, kind };
}

/**
 * A filepath.Match character class starting after `[`: optional `^`, then ranges `c` or `lo-hi` (each char
 * may be `\`-escaped) until `]`. An empty class, a bare `-` or `]` in a range, or no closing `]` is an error.
 * Returns the JS class and the index of the closing `]`.
 */
function translateClass(chars: string[], start: number, pattern: string): { classSource: string; end: number } {
  const bad = () => patternError(pattern, 'malformed character class');
  let i = start;
  const negated = chars[i] === '^';
  if (negated) i++;
  const readChar = (): number => {
    let ch = chars[i];
    if (ch === undefined || ch === '-' || ch === ']') throw bad();
    if (ch === '\\') {
      ch = chars[++i];
      if (ch === undefined) throw bad();
    }
    i++;
    if (i >= chars.length) throw bad(); // the class never closes
    return ch.codePointAt(0)!;
  };
  let ranges = '';
  let count = 0;
  while (!(chars[i] === ']' && count > 0)) {
    const lo = readChar();
    let hi = lo;
    if (chars[i] === '-') {
      i++;
      hi = readChar();
    }
    // an inverted range is legal in Go and simply matches nothing; JS would reject it
    if (lo <= hi) ranges += `\\u{${lo.toString(16)}}-\\u{${hi.toString(16)}}`;
    count++;
  }
  return { classSource: `[${negated ? '^' : ''}${ranges}]`, end: i };
}

function patternError(pattern: string, problem: string): PatternSyntaxError {
  return new PatternSyntaxError(`syntax error in pattern ${JSON.stringify(pattern)}: ${problem}`);
}

function literal(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

/** Go's filepath.Clean for `/` paths: drop empty and `.` segments, resolve `..`, "" → ".". */
function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else {
      out.push(segment);
    }
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Go's strings.TrimSpace: Unicode white space at both ends. */
function trimGoSpace(text: string): string {
  return text.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '');
}
