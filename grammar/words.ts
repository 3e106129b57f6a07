// Word splitting rules of the Dockerfile line parser. All functions return [start, end) offsets into the
// text they were given, so callers can map words back to file ranges. Nothing here expands variables.

export interface Span {
  value: string;
  start: number;
  end: number;
}

/** Go's unicode.IsSpace for the characters a Dockerfile line can hold. */
function isSpace(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0x85 || code === 0xa0 || (code > 0xff && /^\s$/u.test(ch));
}

/** BuildKit's reWhitespace: the blanks that separate FROM/EXPOSE/COPY words (no Unicode spaces). */
const blankRun = /[ \t\v\f\r]+/g;

/** Splits on runs of blanks, no quote handling (FROM, EXPOSE, shell-form ADD/COPY/VOLUME). */
export function splitOnBlanks(text: string, offset = 0): Span[] {
  const spans: Span[] = [];
  let start = 0;
  for (const m of text.matchAll(blankRun)) {
    spans.push({ value: text.slice(start, m.index), start: offset + start, end: offset + m.index });
    start = m.index + m[0].length;
  }
  spans.push({ value: text.slice(start), start: offset + start, end: offset + text.length });
  return spans;
}

/**
 * Shell-like words for ENV/LABEL/ARG: blanks separate words outside quotes, quotes and escape characters are
 * kept in the word, the escape character keeps the next character (even a quote), inside '…' it is literal,
 * and a lone escape character at the very end is dropped.
 */
export function splitShellWords(text: string, escape: string, offset = 0): Span[] {
  const words: Span[] = [];
  let word = '';
  let start = -1;
  let quote = '';
  let blankOk = false;
  const chars = [...text];
  let pos = 0;
  const flush = (end: number): void => {
    if (start !== -1 && (blankOk || word.length > 0)) words.push({ value: word, start: offset + start, end: offset + end });
    word = '';
    start = -1;
    blankOk = false;
  };
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    const at = pos;
    pos += ch.length;
    if (quote === '') {
      if (isSpace(ch)) {
        flush(at);
        continue;
      }
      if (start === -1) start = at;
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
      }
    } else if (ch === quote) {
      quote = '';
    } else if (ch === escape && quote === "'") {
      word += ch; // literal inside '…'
      continue;
    }
    if (ch === escape) {
      if (i + 1 === chars.length) continue; // a lone escape character at the very end is dropped
      i++;
      const next = chars[i] as string;
      pos += next.length;
      word += ch + next;
      continue;
    }
    word += ch;
  }
  flush(pos);
  return words;
}

/** Flag words: quotes removed, backslash makes the next character literal (BuildKit uses `\` here whatever the escape). */
export function unquoteFlagWord(text: string): string {
  let out = '';
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote === '' && (ch === '"' || ch === "'")) {
      quote = ch;
      continue;
    }
    if (quote !== '' && ch === quote) {
      quote = '';
      continue;
    }
    if (ch === '\\') {
      if (i + 1 === text.length) continue;
      i++;
      out += text[i] as string;
      continue;
    }
    out += ch;
  }
  return out;
}

export const notStringArrayMessage = 'when using JSON array syntax, arrays must be comprised of strings only';

export type JsonArrayResult =
  | { kind: 'array'; elements: Span[] }
  | { kind: 'not-json' }
  | { kind: 'not-strings' };

/**
 * Exec form: text that (after leading blanks) is a JSON array. A valid array with a non-string element is an
 * error, anything else that is not a valid array falls back to the shell form.
 */
export function parseJsonArray(text: string, offset = 0): JsonArrayResult {
  const lead = text.length - text.trimStart().length;
  if (text[lead] !== '[') return { kind: 'not-json' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'not-json' };
  }
  if (!Array.isArray(parsed)) return { kind: 'not-json' };
  if (!parsed.every((e): e is string => typeof e === 'string')) return { kind: 'not-strings' };
  return { kind: 'array', elements: locateStrings(text, parsed, offset) };
}

/** Positions of the top-level string literals of an array already known to hold only strings. */
function locateStrings(text: string, values: string[], offset: number): Span[] {
  const spans: Span[] = [];
  let i = 0;
  for (const value of values) {
    i = text.indexOf('"', i);
    const start = i;
    for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
    i++;
    spans.push({ value, start: offset + start, end: offset + i });
  }
  return spans;
}
