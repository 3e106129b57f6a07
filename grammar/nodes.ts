// One logical line → an InstructionNode: keyword, flags and the argument words split by the keyword's rule
// (BuildKit's line parser). Only line-level syntax errors are raised here; meaning is checked in instructions.ts.
import type { Flag, InstructionNode, Range, Word } from './ast.js';
import { splitInstructionLine, type LinePart } from './visitor.js';
import {
  notStringArrayMessage,
  parseJsonArray,
  splitOnBlanks,
  splitShellWords,
  unquoteFlagWord,
  type Span,
} from './words.js';

/** Maps offsets of the text being parsed to file ranges and source text. */
export interface LineContext {
  range(start: number, end: number): Range;
  sourceText(start: number, end: number): string;
  escape: '\\' | '`';
}

export class LineSyntaxError extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }
}

interface Arguments {
  args: Span[];
  json: boolean;
  trigger?: InstructionNode;
}

function flagFrom(part: LinePart, base: number, ctx: LineContext): Flag {
  const word = unquoteFlagWord(part.text).slice(2);
  const eq = word.indexOf('=');
  const start = base + part.start;
  const end = base + part.end;
  const rawEq = part.text.indexOf('=');
  return {
    name: eq === -1 ? word : word.slice(0, eq),
    value: eq === -1 ? undefined : word.slice(eq + 1),
    range: ctx.range(start, end),
    nameRange: ctx.range(start + 2, rawEq === -1 ? end : start + rawEq),
    valueRange: rawEq === -1 ? undefined : ctx.range(start + rawEq + 1, end),
  };
}

/** RUN/CMD/ENTRYPOINT/SHELL: a JSON array of strings, or the whole rest as one word. */
function maybeJson(rest: Span): Arguments {
  if (rest.value === '') return { args: [], json: false };
  const json = parseJsonArray(rest.value, rest.start);
  if (json.kind === 'not-strings') throw new LineSyntaxError(notStringArrayMessage, rest.start, rest.end);
  if (json.kind === 'array') return { args: json.elements, json: true };
  return { args: [rest], json: false };
}

/** ADD/COPY/VOLUME: a JSON array of strings, or blank-separated words. */
function maybeJsonList(rest: Span): Arguments {
  const json = parseJsonArray(rest.value, rest.start);
  if (json.kind === 'not-strings') throw new LineSyntaxError(notStringArrayMessage, rest.start, rest.end);
  if (json.kind === 'array') return { args: json.elements, json: true };
  return blankWords(rest);
}

function blankWords(rest: Span): Arguments {
  return { args: rest.value === '' ? [] : splitOnBlanks(rest.value, rest.start), json: false };
}

/** ENV/LABEL: `k=v …` → key, value, `=` triples; legacy `k v…` → key, rest, empty separator. */
function nameValues(rest: Span, keyword: string, escape: string): Arguments {
  const words = splitShellWords(rest.value, escape, rest.start);
  const first = words[0];
  if (!first) return { args: [], json: false };
  const args: Span[] = [];
  if (!first.value.includes('=')) {
    const blank = /[ \t\v\f\r]+/.exec(rest.value);
    if (!blank) throw new LineSyntaxError(`${keyword} must have two arguments`, rest.start, rest.end);
    const valueStart = blank.index + blank[0].length;
    const key = rest.value.slice(0, blank.index);
    args.push({ value: key, start: rest.start, end: rest.start + blank.index });
    args.push({ value: rest.value.slice(valueStart), start: rest.start + valueStart, end: rest.end });
    args.push({ value: '', start: rest.end, end: rest.end });
    return { args, json: false };
  }
  for (const word of words) {
    const eq = word.value.indexOf('=');
    if (eq === -1) {
      throw new LineSyntaxError(
        `Syntax error - can't find = in ${JSON.stringify(word.value)}. Must be of the form: name=value`,
        word.start,
        word.end,
      );
    }
    // Words are kept as written, so offsets inside a word are offsets in the line too.
    args.push({ value: word.value.slice(0, eq), start: word.start, end: word.start + eq });
    args.push({ value: word.value.slice(eq + 1), start: word.start + eq + 1, end: word.end });
    args.push({ value: '=', start: word.start + eq, end: word.start + eq + 1 });
  }
  return { args, json: false };
}

/** HEALTHCHECK: the type word (CMD, NONE…) then the command like CMD's. */
function healthcheck(rest: Span): Arguments {
  const sep = rest.value.search(/\s/);
  const type = sep === -1 ? rest.value : rest.value.slice(0, sep);
  if (type === '') return { args: [], json: false };
  const tail = sep === -1 ? '' : rest.value.slice(sep);
  const lead = tail.length - tail.trimStart().length;
  const commandStart = rest.start + type.length + lead;
  const command = maybeJson({ value: tail.slice(lead), start: commandStart, end: rest.end });
  return { args: [{ value: type, start: rest.start, end: rest.start + type.length }, ...command.args], json: command.json };
}

function argumentsFor(keyword: string, rest: Span, ctx: LineContext): Arguments {
  switch (keyword) {
    case 'add':
    case 'copy':
    case 'volume':
      return maybeJsonList(rest);
    case 'arg':
      return { args: splitShellWords(rest.value, ctx.escape, rest.start), json: false };
    case 'cmd':
    case 'entrypoint':
    case 'run':
    case 'shell':
      return maybeJson(rest);
    case 'env':
    case 'label':
      return nameValues(rest, keyword.toUpperCase(), ctx.escape);
    case 'expose':
    case 'from':
      return blankWords(rest);
    case 'healthcheck':
      return healthcheck(rest);
    case 'onbuild':
      if (rest.value === '') return { args: [], json: false };
      return { args: [], json: false, trigger: buildNode(rest.value, rest.start, ctx, []) };
    default:
      // maintainer, stopsignal, user, workdir; unknown keywords keep their rest too
      return { args: rest.value === '' ? [] : [rest], json: false };
  }
}

function toWord(span: Span, ctx: LineContext): Word {
  return { value: span.value, range: ctx.range(span.start, span.end) };
}

/**
 * Parses `text` (a logical line or, for ONBUILD, the part after the keyword); `base` is its offset in the
 * logical line. Throws LineSyntaxError for errors that make the line unreadable.
 */
export function buildNode(text: string, base: number, ctx: LineContext, comments: string[]): InstructionNode {
  const parts = splitInstructionLine(text);
  if (!parts) throw new LineSyntaxError('empty instruction', base, base + text.length);
  const trimmedEnd = text.trimEnd().length;
  const restRaw = text.slice(parts.argumentsStart, trimmedEnd);
  const restLead = restRaw.length - restRaw.trimStart().length;
  const rest: Span = {
    value: restRaw.slice(restLead),
    start: base + parts.argumentsStart + restLead,
    end: base + trimmedEnd,
  };
  const keyword = parts.keyword.text.toLowerCase();
  const { args, json, trigger } = argumentsFor(keyword, rest, ctx);
  const start = base + parts.keyword.start;
  return {
    keywordText: parts.keyword.text,
    keywordRange: ctx.range(start, base + parts.keyword.end),
    flags: parts.flags.map((f) => flagFrom(f, base, ctx)),
    args: args.map((s) => toWord(s, ctx)),
    json,
    rest: toWord(rest, ctx),
    trigger,
    heredocs: [],
    comments,
    range: ctx.range(start, base + trimmedEnd),
    text: ctx.sourceText(start, base + trimmedEnd),
    original: text.slice(parts.keyword.start, trimmedEnd),
  };
}
