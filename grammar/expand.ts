// Shell-word expansion as BuildKit does it for Dockerfile arguments: $VAR, ${VAR…} operators,
// quotes and escapes, word splitting. The environment is passed in; nothing is read from the process.
//
// Behaviour follows BuildKit's frontend/dockerfile/shell lexer (facts checked against its test vectors in
// shared/conformance/buildkit/shell); the scanner below is our own.

import type { Keyword } from './ast.js';

export type Lookup = (name: string) => string | undefined;

/** An environment given as data: `KEY=VALUE` lines (a bare `KEY` means empty), a Map or a plain record. */
export type EnvSource = readonly string[] | ReadonlyMap<string, string> | Readonly<Record<string, string>>;

export interface ExpandOptions {
  /** The Dockerfile's escape character (default backslash). */
  escape?: '\\' | '`';
  /**
   * Windows semantics: variable names are case-insensitive. Applies when the environment is given as data
   * (EnvSource); a Lookup function does its own name matching (build one with `envLookup`).
   */
  caseInsensitive?: boolean;
  /** Keep the quote characters in the result (BuildKit names RUN steps so: `RUN echo "$A"` → `RUN echo "1"`). */
  rawQuotes?: boolean;
  /** Leave a reference to an unset variable as written instead of expanding it to nothing. */
  skipUnset?: boolean;
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
  /** The message without the "failed to process" prefix, e.g. `VAR: is not allowed to be unset`. */
  readonly reason: string;
  constructor(word: string, reason: string) {
    super(`failed to process ${JSON.stringify(word)}: ${reason}`);
    this.reason = reason;
  }
}

/** Expands one word without splitting (ENV values, WORKDIR, COPY paths…). */
export function expandWord(word: string, env: Lookup | EnvSource, options: ExpandOptions = {}): ExpandResult {
  const { value, matched, unmatched } = expand(word, env, options);
  return { value, matched, unmatched };
}

/** Expands and splits into words as a shell would (unquoted expansions are field-split). */
export function expandWords(word: string, env: Lookup | EnvSource, options: ExpandOptions = {}): string[] {
  return expand(word, env, options).fields;
}

/**
 * A Lookup over data. For a `KEY=VALUE` list the last definition of a name wins and a line without `=`
 * defines the name as empty. With `caseInsensitive`, names compare upper-cased (as Windows does) and the
 * last of several spellings wins.
 */
export function envLookup(env: EnvSource, options: { caseInsensitive?: boolean } = {}): Lookup {
  const normalise = options.caseInsensitive ? (name: string) => name.toUpperCase() : (name: string) => name;
  const values = new Map<string, string>();
  for (const [key, value] of entriesOf(env)) values.set(normalise(key), value);
  return (name) => values.get(normalise(name));
}

function entriesOf(env: EnvSource): Iterable<[string, string]> {
  if (Array.isArray(env)) {
    return (env as readonly string[]).map((line): [string, string] => {
      const eq = line.indexOf('=');
      return eq < 0 ? [line, ''] : [line.slice(0, eq), line.slice(eq + 1)];
    });
  }
  if (env instanceof Map) return env.entries();
  return Object.entries(env as Readonly<Record<string, string>>);
}

/**
 * Which instructions' arguments BuildKit expands with the build's ARG/ENV values before using them.
 * RUN, CMD, ENTRYPOINT, SHELL and HEALTHCHECK hand their text to the shell or exec unchanged (but RUN's
 * `--mount` flag values are expanded); ONBUILD stores its trigger raw, it is expanded when it fires.
 * ADD/COPY expand their sources, destination and flag values (`--chown`, `--chmod`, `--from`…); FROM expands
 * its image reference and `--platform` with the global ARGs only; ARG expands its default values.
 */
export const expandsArguments: Readonly<Record<Keyword, boolean>> = {
  ADD: true,
  ARG: true,
  CMD: false,
  COPY: true,
  ENTRYPOINT: false,
  ENV: true,
  EXPOSE: true,
  FROM: true,
  HEALTHCHECK: false,
  LABEL: true,
  MAINTAINER: false,
  ONBUILD: false,
  RUN: false,
  SHELL: false,
  STOPSIGNAL: true,
  USER: true,
  VOLUME: true,
  WORKDIR: true,
};

interface Expansion extends ExpandResult {
  fields: string[];
}

function expand(word: string, env: Lookup | EnvSource, options: ExpandOptions): Expansion {
  const lookup = typeof env === 'function' ? env : envLookup(env, options);
  const scanner = new WordScanner(word, lookup, options.escape ?? '\\', { rawQuotes: options.rawQuotes ?? false, skipUnset: options.skipUnset ?? false });
  try {
    const { text, fields } = scanner.readUntil(undefined, false);
    return { value: text, fields, matched: [...scanner.matched], unmatched: [...scanner.unmatched] };
  } catch (err) {
    if (err instanceof SyntaxFault) throw new ExpandError(word, err.message);
    throw err;
  }
}

/** Internal failure; `expand` turns it into an ExpandError naming the whole word. */
class SyntaxFault extends Error {}

const END_OF_STATEMENT = 'unexpected end of statement while looking for matching';

// Go's unicode.IsLetter / IsDigit / IsSpace, which BuildKit uses for names and field splitting.
const NAME_CHAR = /^[\p{L}\p{Nd}_]$/u;
const DIGIT = /^\p{Nd}$/u;
const SPACE = /^\p{White_Space}$/u;
/** POSIX special parameters: `$@ $* $# $? $- $$ $! $0` are never set in a Dockerfile. */
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

/** Collects unquoted text into fields: whitespace separates, quoted or escaped text never does. */
class FieldSplitter {
  readonly fields: string[] = [];
  private current = '';

  addUnquoted(text: string): void {
    for (const ch of text) {
      if (!SPACE.test(ch)) this.current += ch;
      else this.flush();
    }
  }

  addLiteral(text: string): void {
    this.current += text;
  }

  finish(): string[] {
    this.flush();
    return this.fields;
  }

  private flush(): void {
    if (this.current !== '') this.fields.push(this.current);
    this.current = '';
  }
}

/** One pass over a word, by code point (Go works on runes, so must we for names and `?` in patterns). */
class WordScanner {
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();
  private readonly chars: string[];
  private pos = 0;

  constructor(
    word: string,
    private readonly lookup: Lookup,
    private readonly escape: string,
    private readonly modes: { rawQuotes: boolean; skipUnset: boolean },
  ) {
    this.chars = Array.from(word);
  }

  /**
   * Reads up to `stop` (consumed) or, when `stop` is undefined, to the end. `keepEscapes` keeps the escape
   * character in the text: ${V#pat}, ${V%pat} and ${V/pat/repl} need it so `\*` stays a literal star.
   */
  readUntil(stop: string | undefined, keepEscapes: boolean): { text: string; fields: string[] } {
    let text = '';
    const fields = new FieldSplitter();
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (ch === stop) {
        this.pos++;
        return { text, fields: fields.finish() };
      }
      if (ch === '$') {
        const value = this.readDollar();
        text += value;
        fields.addUnquoted(value);
      } else if (ch === "'" || ch === '"') {
        const value = ch === "'" ? this.readSingleQuoted() : this.readDoubleQuoted(keepEscapes);
        text += value;
        fields.addLiteral(value);
      } else {
        this.pos++;
        if (ch !== this.escape) {
          text += ch;
          fields.addUnquoted(ch);
          continue;
        }
        if (keepEscapes) {
          text += ch;
          fields.addLiteral(ch);
        }
        const escaped = this.next();
        if (escaped === undefined) break; // a lone escape at the end is dropped
        text += escaped;
        fields.addLiteral(escaped);
      }
    }
    if (stop !== undefined) throw new SyntaxFault(`${END_OF_STATEMENT} ${stop}`);
    return { text, fields: fields.finish() };
  }

  private peek(): string | undefined {
    return this.chars[this.pos];
  }

  private next(): string | undefined {
    return this.chars[this.pos++];
  }

  private atEnd(): boolean {
    return this.pos >= this.chars.length;
  }

  /** '…': everything literal, there is no way to escape a single quote. */
  private readSingleQuoted(): string {
    this.pos++;
    const quote = this.modes.rawQuotes ? "'" : '';
    let text = quote;
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new SyntaxFault(`${END_OF_STATEMENT} single-quote`);
      if (ch === "'") return text + quote;
      text += ch;
    }
  }

  /** "…": `$` expands; the escape character only escapes `"`, `$` and itself, otherwise it stays. */
  private readDoubleQuoted(keepEscapes: boolean): string {
    this.pos++;
    const quote = this.modes.rawQuotes ? '"' : '';
    let text = quote;
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) throw new SyntaxFault(`${END_OF_STATEMENT} double-quote`);
      if (ch === '"') {
        this.pos++;
        return text + quote;
      }
      if (ch === '$') {
        text += this.readDollar();
        continue;
      }
      this.pos++;
      if (ch !== this.escape) {
        text += ch;
        continue;
      }
      if (keepEscapes) text += ch;
      const following = this.peek();
      if (following === undefined) continue; // dropped; the missing quote is reported next round
      if (following === '"' || following === '$' || following === this.escape) {
        this.pos++;
        text += following;
      } else {
        text += ch;
      }
    }
  }

  private resolve(name: string): string | undefined {
    const value = this.lookup(name);
    (value === undefined ? this.unmatched : this.matched).add(name);
    return value;
  }

  /** `$NAME`, `${NAME}` or `${NAME<op>word}`; `$` before anything that is not a name stays literal. */
  private readDollar(): string {
    this.pos++;
    if (this.peek() !== '{') {
      const name = this.readName();
      if (name === '') return '$';
      return this.resolve(name) ?? (this.modes.skipUnset ? `$${name}` : '');
    }
    this.pos++;
    const first = this.peek();
    if (first === undefined) throw new SyntaxFault("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new SyntaxFault('syntax error: bad substitution');

    const name = this.readName();
    let op = this.next();
    if (op === undefined) throw new SyntaxFault("syntax error: missing '}'");
    if (op === '}') return this.resolve(name) ?? (this.modes.skipUnset ? `\${${name}}` : '');
    if (op === '/') return this.readReplacement(name);

    let nullIsUnset = false;
    let opText = op;
    if (op === ':') {
      nullIsUnset = true;
      op = this.next();
      opText += op ?? '';
      // bash has no ${V:#p} / ${V:%p}; BuildKit rejects them before reading the pattern
      if (op === '#' || op === '%') throw new SyntaxFault(`unsupported modifier (${opText}) in substitution`);
    } else if (!'+-?#%'.includes(op)) {
      throw new SyntaxFault(`unsupported modifier (${opText}) in substitution`);
    }

    const word = this.readBraceWord('}', op === '#' || op === '%', "syntax error: missing '}'");
    const value = this.resolve(name);
    if (value === undefined && this.modes.skipUnset) return `\${${name}${opText}${word}}`;
    const unset = value === undefined || (nullIsUnset && value === '');
    switch (op) {
      case '-':
        return unset ? word : value!;
      case '+':
        return unset ? '' : word;
      case '?':
        if (value === undefined) throw new SyntaxFault(`${name}: ${word || 'is not allowed to be unset'}`);
        if (unset) throw new SyntaxFault(`${name}: ${word || 'is not allowed to be empty'}`);
        return value;
      case '#':
      case '%': {
        // ${V#p} removes the shortest match, ${V##p} the longest
        const greedy = word.startsWith(op);
        const pattern = greedy ? word.slice(1) : word;
        return op === '#' ? trimPrefix(value ?? '', pattern, greedy) : trimSuffix(value ?? '', pattern, greedy);
      }
      default:
        throw new SyntaxFault(`unsupported modifier (${opText}) in substitution`);
    }
  }

  /** `${V/pat/repl}` replaces the first (longest) match, `${V//pat/repl}` every match. */
  private readReplacement(name: string): string {
    const all = this.peek() === '/';
    if (all) this.pos++;
    const pattern = this.readBraceWord('/', true, "syntax error: missing '/' in ${}");
    const replacement = this.readBraceWord('}', true, "syntax error: missing '}'");
    const found = this.resolve(name);
    if (found === undefined && this.modes.skipUnset) return `\${${name}/${pattern}/${replacement}}`;
    const value = found ?? '';
    const re = compilePattern(pattern, true, false);
    if (all) return replaceAllGo(value, re, replacement);
    const m = re.exec(value);
    return m ? value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length) : value;
  }

  private readBraceWord(stop: string, keepEscapes: boolean, endOfInputMessage: string): string {
    try {
      return this.readUntil(stop, keepEscapes).text;
    } catch (err) {
      if (err instanceof SyntaxFault && this.atEnd()) throw new SyntaxFault(endOfInputMessage);
      throw err;
    }
  }

  /** A name is letters, digits and `_`; a leading digit reads a positional parameter, or one special char. */
  private readName(): string {
    const first = this.peek();
    if (first === undefined) return '';
    if (DIGIT.test(first)) {
      let digits = '';
      while (this.peek() !== undefined && DIGIT.test(this.peek()!)) digits += this.next();
      return digits;
    }
    if (SPECIAL_PARAMS.has(first)) return this.next()!;
    let name = '';
    while (this.peek() !== undefined && NAME_CHAR.test(this.peek()!)) name += this.next();
    return name;
  }
}

function compilePattern(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  try {
    return shellPatternToRegExp(pattern, { greedy, anchored });
  } catch (err) {
    throw new SyntaxFault(`invalid pattern (${pattern}) in substitution: ${(err as Error).message}`);
  }
}

/**
 * The glob of `${V#pat}`, `${V%pat}`, `${V/pat/repl}` as a RegExp: `*` any run, `?` any one character,
 * `\*` `\?` `\\` literal, `\}` and `\/` drop the backslash (they were escaped only for the `${…}` syntax).
 * There are no bracket classes. Any other escape is an error, as in BuildKit.
 * `.` in Go's regexp excludes only newline, hence `[^\n]` rather than JS's `.`.
 */
export function shellPatternToRegExp(pattern: string, options: { greedy: boolean; anchored: boolean }): RegExp {
  const chars = Array.from(pattern);
  let source = options.anchored ? '^' : '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '*') source += options.greedy ? '[^\\n]*' : '[^\\n]*?';
    else if (ch === '?') source += '[^\\n]';
    else if (ch === '\\') {
      const escaped = chars[i + 1];
      if (escaped === '}' || escaped === '/') continue;
      if (escaped !== '*' && escaped !== '?' && escaped !== '\\') {
        const what = escaped === undefined ? "'\\' at end of pattern" : `'\\${escaped}'`;
        throw new Error(`invalid escape ${what}`);
      }
      source += '\\' + escaped;
      i++;
    } else if ('[]{}.+()|^$'.includes(ch)) source += '\\' + ch;
    else source += ch;
  }
  return new RegExp(source, 'u');
}

function trimPrefix(value: string, pattern: string, greedy: boolean): string {
  const m = compilePattern(pattern, greedy, true).exec(value);
  return m ? value.slice(m[0].length) : value;
}

/** A regex cannot find the shortest rightmost match, so reverse pattern and value and trim a prefix. */
function trimSuffix(value: string, pattern: string, greedy: boolean): string {
  return reverse(trimPrefix(reverse(value), reversePattern(pattern), greedy));
}

function reverse(text: string): string {
  return Array.from(text).reverse().join('');
}

/** Reverses a pattern keeping each `\x` pair in order, so `a\*c` becomes `c\*a`. */
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const units: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '\\' && i < chars.length - 1) {
      units.push(chars[i]! + chars[i + 1]!);
      i++;
    } else {
      units.push(chars[i]!);
    }
  }
  return units.reverse().join('');
}

/**
 * Go's Regexp.ReplaceAllString: an empty match right after the previous match is skipped, and the
 * replacement is a template where `$0`/`${0}` is the match, other `$name` are empty and `$$` is `$`.
 */
function replaceAllGo(value: string, re: RegExp, replacement: string): string {
  const global = new RegExp(re.source, 'gu');
  let out = '';
  let lastEnd = 0;
  let searchPos = 0;
  while (searchPos <= value.length) {
    global.lastIndex = searchPos;
    const m = global.exec(value);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    out += value.slice(lastEnd, start);
    if (end > lastEnd || start === 0) out += expandGoTemplate(replacement, m[0]);
    lastEnd = end;
    const width = (value.codePointAt(searchPos) ?? 0) > 0xffff ? 2 : 1;
    searchPos = Math.max(end, searchPos + width);
  }
  return out + value.slice(lastEnd);
}

const TEMPLATE_REF = /^(?:\{([\p{L}\p{Nd}_]+)\}|([\p{L}\p{Nd}_]+))/u;

function expandGoTemplate(template: string, match: string): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch !== '$') {
      out += ch;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    const ref = TEMPLATE_REF.exec(template.slice(i + 1));
    if (!ref) {
      out += '$'; // malformed reference: Go keeps the dollar as text
      continue;
    }
    const name = ref[1] ?? ref[2]!;
    if (name === '0') out += match; // the only group: there are no parentheses in a shell pattern
    i += ref[0].length;
  }
  return out;
}
