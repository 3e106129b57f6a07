// CST → the parts of an instruction line (keyword, flag tokens, where the rest starts), in logical-line offsets.
import type { CstNode, IToken } from 'chevrotain';
import type { InstructionLineCstChildren, FlagsCstChildren } from './cst.js';
import { tokenizeLine } from './lexer.js';
import { parseInstructionLine } from './parser.js';

/** chevrotain's CST types, for grammar/cst.d.ts. */
export type { CstNode, ICstVisitor, IToken } from 'chevrotain';

export interface LinePart {
  text: string;
  start: number;
  end: number;
}

export interface InstructionLineParts {
  keyword: LinePart;
  flags: LinePart[];
  /** Logical offset where the arguments begin (after the flags and an optional `--`). */
  argumentsStart: number;
}

function part(token: IToken): LinePart {
  return { text: token.image, start: token.startOffset, end: token.startOffset + token.image.length };
}

/** Undefined for a line without any word (cannot happen for a non-empty logical line). */
export function splitInstructionLine(text: string): InstructionLineParts | undefined {
  const tokens = tokenizeLine(text);
  if (tokens.length === 0) return undefined;
  const cst = parseInstructionLine(tokens);
  const children = cst.children as unknown as InstructionLineCstChildren;
  const keyword = children.Keyword[0] as IToken;
  const flagsNode = (children.flags[0] as CstNode).children as unknown as FlagsCstChildren;
  const flags = (flagsNode.FlagWord ?? []).map(part);
  const rest = children.Rest?.[0];
  const end = flagsNode.EndOfFlags?.[0] ?? flagsNode.FlagWord?.at(-1) ?? keyword;
  return { keyword: part(keyword), flags, argumentsStart: rest ? rest.startOffset : end.startOffset + end.image.length };
}
