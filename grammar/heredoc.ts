// Heredoc markers (`<<EOF`, `<<-'EOF'`, `3<<EOF`) in RUN/COPY/ADD lines: which words are markers, the
// delimiter name (quotes removed) and whether the body is expanded. Bodies are read by parse.ts.
import type { Span } from './words.js';

export interface HeredocMarker {
  name: string;
  expand: boolean;
  chomp: boolean;
  fileDescriptor: number | undefined;
  start: number;
  end: number;
}

export class HeredocSyntaxError extends Error {}

const markerPattern = /^(\d*)<<(-?)([^<]*)$/;

/**
 * Words of a line as the shell sees them, quotes and escapes kept (backslash escape, no expansion).
 * Throws HeredocSyntaxError only when asked to (`strict`) for an unterminated quote.
 */
function rawShellWords(text: string, offset: number, strict: boolean): Span[] {
  const words: Span[] = [];
  let start = -1;
  let quote = '';
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (ch === undefined || (quote === '' && /\s/.test(ch))) {
      if (ch === undefined && quote !== '' && strict) throw new HeredocSyntaxError('unterminated quote in heredoc delimiter');
      if (start !== -1) words.push({ value: text.slice(start, i), start: offset + start, end: offset + i });
      start = -1;
      continue;
    }
    if (start === -1) start = i;
    if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
    else if (quote !== '' && ch === quote) quote = '';
    else if (ch === '\\' && quote !== "'") i++;
  }
  return words;
}

/** Quote removal for a delimiter word; `quoted` tells whether any part of it was quoted. */
function unquoteDelimiter(word: string): { name: string; quoted: boolean } {
  let name = '';
  let quote = '';
  let quoted = false;
  for (let i = 0; i < word.length; i++) {
    const ch = word[i] as string;
    if (quote === '' && (ch === '"' || ch === "'")) {
      quote = ch;
      quoted = true;
    } else if (quote !== '' && ch === quote) quote = '';
    else if (ch === '\\' && quote === '' && i + 1 < word.length) name += word[++i] as string;
    else if (ch === '\\' && quote === '"' && '"\\$'.includes(word[i + 1] ?? '')) name += word[++i] as string;
    else name += ch;
  }
  return { name, quoted };
}

/**
 * One word → a heredoc marker, undefined when it is not one (`EOF`, `<<`, `<<<EOF`, `<<EOF sh`).
 * Throws HeredocSyntaxError for a marker with an unterminated quote (`<<'EOF`).
 */
export function parseHeredocWord(word: string, start = 0): HeredocMarker | undefined {
  const match = markerPattern.exec(word);
  if (!match) return undefined;
  const rest = match[3] as string;
  const restOffset = word.length - rest.length;
  const words = rawShellWords(rest, restOffset, true);
  if (words.length !== 1) return undefined;
  const { name, quoted } = unquoteDelimiter((words[0] as Span).value);
  return {
    name,
    expand: !quoted,
    chomp: match[2] === '-',
    fileDescriptor: match[1] === '' ? undefined : Number(match[1]),
    start,
    end: start + word.length,
  };
}

/** All heredoc markers of a logical line, in order. A bare `<<`/`<<-` takes the next word as its delimiter. */
export function heredocsInLine(text: string, offset = 0): HeredocMarker[] {
  const words = rawShellWords(text, offset, false);
  const markers: HeredocMarker[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as Span;
    let candidate = word.value;
    let end = word.end;
    const next = words[i + 1];
    if (/^\d*<<-?$/.test(candidate) && next) {
      candidate = `${candidate} ${next.value}`;
      end = next.end;
      i++;
    }
    const marker = parseHeredocWord(candidate, word.start);
    if (marker) markers.push({ ...marker, end });
  }
  return markers;
}

/** `<<-` bodies: leading tabs removed from every line. */
export function chompHeredoc(content: string): string {
  return content.replace(/^\t+/gm, '');
}
