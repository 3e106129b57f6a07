// InstructionNode → typed Instruction: argument counts, flags (via the one flag table), mounts, heredoc
// placement, ONBUILD triggers and HEALTHCHECK types are checked here. Problems become validation diagnostics.
import type {
  ArgDeclaration,
  CommandForm,
  Instruction,
  InstructionNode,
  KeyValue,
  Keyword,
  Range,
  Word,
} from './ast.js';
import type { Diagnostic } from './diagnostics.js';
import { checkFlags, instructionFlags } from './flags.js';
import { parseHeredocWord } from './heredoc.js';
import { parseMount } from './mount.js';
import { closest } from './suggest.js';

const keywords = Object.keys(instructionFlags) as Keyword[];

class InstructionError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly range: Range,
    readonly hint?: string,
  ) {
    super(message);
  }
}

function span(from: Range, to: Range): Range {
  return { start: from.start, end: to.end };
}

function validation(code: string, message: string, range: Range, hint?: string): Diagnostic {
  return { severity: 'error', code, message, range, phase: 'validation', ...(hint ? { hint } : {}) };
}

function exactlyOne(keyword: Keyword, node: InstructionNode): Word {
  const [only] = node.args;
  if (!only || node.args.length !== 1) {
    throw new InstructionError('argument-count', `${keyword} requires exactly one argument`, node.range);
  }
  return only;
}

function atLeastOne(keyword: Keyword, node: InstructionNode): void {
  if (node.args.length === 0 && !node.trigger) {
    throw new InstructionError('argument-count', `${keyword} requires at least one argument`, node.range);
  }
}

function commandForm(node: InstructionNode, args: Word[]): CommandForm {
  if (node.json) return { kind: 'exec', args, range: node.rest.range };
  const command = args[0] as Word;
  return { kind: 'shell', command, range: command.range };
}

function optionalCommand(node: InstructionNode): CommandForm | undefined {
  return node.args.length === 0 && !node.json ? undefined : commandForm(node, node.args);
}

function pairs(keyword: 'ENV' | 'LABEL', node: InstructionNode): KeyValue[] {
  const out: KeyValue[] = [];
  for (let i = 0; i + 2 < node.args.length; i += 3) {
    const key = node.args[i] as Word;
    const value = node.args[i + 1] as Word;
    const separator = node.args[i + 2] as Word;
    // As written: a key that only expands to nothing is BuildKit's to accept.
    if (key.value === '') throw new InstructionError('blank-name', `${keyword} names can not be blank`, key.range);
    out.push({ key, value, legacy: separator.value === '', range: span(key.range, value.range) });
  }
  return out;
}

/**
 * The range of word.value[from, to). Exact when the word is written in one piece (the usual case); a word
 * broken by a line continuation keeps its whole range.
 */
function subRange(word: Word, from: number, to: number): Range {
  const { start, end } = word.range;
  if (end.offset - start.offset !== word.value.length || start.line !== end.line) return word.range;
  const at = (i: number) => ({ line: start.line, column: start.column + i, offset: start.offset + i });
  return { start: at(from), end: at(to) };
}

/** `NAME` or `NAME=default`; BuildKit takes any non-empty name (`ARG my-flag=1` too). */
function argDeclarations(node: InstructionNode): ArgDeclaration[] {
  return node.args.map((word) => {
    const eq = word.value.indexOf('=');
    const name = eq === -1 ? word.value : word.value.slice(0, eq);
    if (name === '') throw new InstructionError('blank-name', 'ARG names can not be blank', word.range);
    const nameWord: Word = { value: name, range: subRange(word, 0, name.length) };
    const defaultValue: Word | undefined =
      eq === -1 ? undefined : { value: word.value.slice(eq + 1), range: subRange(word, eq + 1, word.value.length) };
    return { name: nameWord, defaultValue, range: word.range };
  });
}

const stageName = /^[a-z][a-z0-9\-_.]*$/;

function copyParts(keyword: 'ADD' | 'COPY', node: InstructionNode): { sources: Word[]; destination: Word } {
  if (node.args.length < 2) {
    throw new InstructionError(
      'argument-count',
      `${keyword} requires at least two arguments, but only one was provided. Destination could not be determined`,
      node.range,
    );
  }
  const destination = node.args.at(-1) as Word;
  if (!node.json && safeHeredocWord(destination.value)) {
    throw new InstructionError('heredoc-destination', `${keyword} cannot accept a heredoc as a destination`, destination.range);
  }
  return { sources: node.args.slice(0, -1), destination };
}

function safeHeredocWord(word: string): boolean {
  try {
    return parseHeredocWord(word) !== undefined;
  } catch {
    return false;
  }
}

function typed(keyword: Keyword, node: InstructionNode, diagnostics: Diagnostic[]): Instruction | undefined {
  const heredocs = node.heredocs;
  const base = {
    keywordText: node.keywordText,
    keywordRange: node.keywordRange,
    range: node.range,
    text: node.text,
    original: node.original,
    flags: node.flags,
    comments: node.comments,
  };
  switch (keyword) {
    case 'FROM': {
      const [image, as, name] = node.args;
      const shapeOk = node.args.length === 1 || (node.args.length === 3 && as?.value.toLowerCase() === 'as');
      if (!image || !shapeOk) throw new InstructionError('argument-count', 'FROM requires either one or three arguments', node.range);
      if (name && !name.value.includes('$') && !stageName.test(name.value.toLowerCase())) {
        throw new InstructionError(
          'invalid-stage-name',
          `invalid name for build stage: ${JSON.stringify(name.value)}, name can't start with a number or contain symbols`,
          name.range,
        );
      }
      return { ...base, keyword, image, stageName: name, asKeyword: name ? as : undefined };
    }
    case 'RUN':
      atLeastOne(keyword, node);
      for (const flag of node.flags) {
        // A value with variables is judged once they are expanded (dispatch): `type=$T` is valid BuildKit.
        if (flag.name !== 'mount' || flag.value === undefined || flag.value.includes('$')) continue;
        const mount = parseMount(flag.value);
        if (!mount.ok) diagnostics.push(validation('invalid-mount', mount.message, flag.valueRange ?? flag.range));
      }
      return { ...base, keyword, command: commandForm(node, node.args), heredocs };
    case 'CMD':
    case 'ENTRYPOINT':
      return { ...base, keyword, command: optionalCommand(node) };
    case 'SHELL':
      if (!node.json) throw new InstructionError('shell-not-json', 'SHELL requires the arguments to be in JSON form', node.rest.range);
      atLeastOne(keyword, node);
      return { ...base, keyword, args: node.args };
    case 'ENV':
    case 'LABEL':
      atLeastOne(keyword, node);
      return { ...base, keyword, pairs: pairs(keyword, node) };
    case 'MAINTAINER':
      return { ...base, keyword, name: exactlyOne(keyword, node) };
    case 'USER':
      return { ...base, keyword, user: exactlyOne(keyword, node) };
    case 'WORKDIR':
      return { ...base, keyword, path: exactlyOne(keyword, node) };
    case 'STOPSIGNAL':
      return { ...base, keyword, signal: exactlyOne(keyword, node) };
    case 'EXPOSE':
      atLeastOne(keyword, node);
      return { ...base, keyword, ports: node.args };
    case 'VOLUME': {
      atLeastOne(keyword, node);
      const empty = node.args.find((w) => w.value.trim() === '');
      if (empty) throw new InstructionError('empty-volume', 'VOLUME specified can not be an empty string', empty.range);
      return { ...base, keyword, paths: node.args, json: node.json };
    }
    case 'ADD':
    case 'COPY':
      return { ...base, keyword, ...copyParts(keyword, node), heredocs, json: node.json };
    case 'ARG':
      atLeastOne(keyword, node);
      return { ...base, keyword, args: argDeclarations(node) };
    case 'ONBUILD': {
      const trigger = node.trigger;
      if (!trigger) throw new InstructionError('argument-count', 'ONBUILD requires at least one argument', node.range);
      const triggerKeyword = trigger.keywordText.toUpperCase();
      if (triggerKeyword === 'ONBUILD') {
        throw new InstructionError('onbuild-trigger', 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed', trigger.keywordRange);
      }
      if (triggerKeyword === 'FROM' || triggerKeyword === 'MAINTAINER') {
        throw new InstructionError('onbuild-trigger', `${triggerKeyword} isn't allowed as an ONBUILD trigger`, trigger.keywordRange);
      }
      // The trigger's own problems are already reported by toInstruction.
      const inner = toInstruction(trigger, diagnostics);
      if (!inner) return undefined;
      // Heredoc bodies travel with the trigger (each after a line end, closed by its delimiter), as BuildKit
      // stores them, so the trigger parses again on its own in the child build.
      const bodies = trigger.heredocs.map((heredoc) => `\n${heredoc.content}${heredoc.name}`).join('');
      return { ...base, keyword, trigger: inner, triggerText: node.rest.value + bodies };
    }
    case 'HEALTHCHECK': {
      const [type, ...command] = node.args;
      if (!type) throw new InstructionError('argument-count', 'HEALTHCHECK requires at least one argument', node.range);
      const kind = type.value.toUpperCase();
      if (kind === 'NONE') {
        if (command.length > 0 || node.flags.length > 0) {
          throw new InstructionError('argument-count', 'HEALTHCHECK NONE takes no arguments', node.range);
        }
        return { ...base, keyword, check: { kind: 'none' } };
      }
      if (kind !== 'CMD') {
        throw new InstructionError('healthcheck-type', `Unknown type ${JSON.stringify(type.value)} in HEALTHCHECK (try CMD)`, type.range);
      }
      if (command.length === 0 && !node.json) {
        throw new InstructionError('argument-count', 'Missing command after HEALTHCHECK CMD', node.range);
      }
      return { ...base, keyword, check: { kind: 'cmd', command: commandForm(node, command) } };
    }
  }
}

/**
 * The typed instruction for `node`, or undefined when it cannot be built; every problem is pushed to
 * `diagnostics`. Instructions whose only problems are in their flags are still returned.
 */
export function toInstruction(node: InstructionNode, diagnostics: Diagnostic[]): Instruction | undefined {
  const keyword = node.keywordText.toUpperCase() as Keyword;
  if (!keywords.includes(keyword)) {
    const near = closest(node.keywordText, keywords);
    diagnostics.push(validation('unknown-instruction', `unknown instruction: ${node.keywordText}`, node.keywordRange, near ? `did you mean ${near}?` : undefined));
    return undefined;
  }
  for (const problem of checkFlags(keyword, node.flags)) {
    const range = problem.atValue ? (problem.flag.valueRange ?? problem.flag.range) : problem.flag.range;
    const code = problem.message.startsWith('unknown flag') ? 'unknown-flag' : 'invalid-flag';
    diagnostics.push(validation(code, problem.message, range, problem.hint));
  }
  try {
    return typed(keyword, node, diagnostics);
  } catch (error) {
    if (!(error instanceof InstructionError)) throw error;
    diagnostics.push(validation(error.code, error.message, error.range, error.hint));
    return undefined;
  }
}
