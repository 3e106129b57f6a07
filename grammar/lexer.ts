// The chevrotain lexer for logical instruction lines, built once on first use.
import { Lexer, type IToken } from 'chevrotain';
import { lexerDefinition } from './tokens.js';

let lexer: Lexer | undefined;

export function tokenizeLine(text: string): IToken[] {
  lexer ??= new Lexer(lexerDefinition, { positionTracking: 'onlyOffset', ensureOptimizations: false });
  // Every character is covered by some token pattern, so lexing errors cannot occur.
  return lexer.tokenize(text).tokens;
}
