// The chevrotain lexer for logical instruction lines, built once on first use.
import { Lexer, type IToken } from 'chevrotain';
import { lexerDefinition } from './tokens.js';

let lexer: Lexer | undefined;

/**
 * `validate`: chevrotain's definition checks, ~5 ms at start-up; the grammar tests run them, builds skip them.
 * `safeMode` skips the first-character index chevrotain builds over every token pattern (~2.5 ms of a build's
 * start); on lines of a few dozen characters, lexing without it measured as fast.
 */
function createLexer(validate: boolean): Lexer {
  return new Lexer(lexerDefinition, { positionTracking: 'onlyOffset', ensureOptimizations: false, skipValidations: !validate, safeMode: true });
}

/** Throws chevrotain's definition errors, if the tokens have any. */
export function validateLexerDefinition(): void {
  createLexer(true);
}

export function tokenizeLine(text: string): IToken[] {
  lexer ??= createLexer(false);
  // Every character is covered by some token pattern, so lexing errors cannot occur.
  return lexer.tokenize(text).tokens;
}
