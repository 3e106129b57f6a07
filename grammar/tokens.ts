// Token types of one logical instruction line, in two lexer modes: `start` reads the keyword, `arguments`
// reads flags and words. Continuations, comments and heredoc bodies are resolved before lexing (lines.ts),
// so a logical line never holds a line break.
import { createToken, Lexer, type IMultiModeLexerDefinition } from 'chevrotain';

/** BuildKit splits the keyword from the rest on these (its reWhitespace), not on every Unicode space. */
export const Whitespace = createToken({ name: 'Whitespace', pattern: /[ \t\v\f\r\u00a0\u0085]+/, group: Lexer.SKIPPED });

export const Keyword = createToken({ name: 'Keyword', pattern: /[^ \t\v\f\r\u00a0\u0085]+/, push_mode: 'arguments' });

// One word: unquoted characters, a backslash and the character it protects, or a quoted run (which may hold
// blanks; an unterminated quote runs to the end of the line). Flags always use backslash, as BuildKit does.
const wordBody = String.raw`(?:[^\s"'\\]|\\[\s\S]?|"(?:[^"\\]|\\[\s\S]?)*"?|'(?:[^'\\]|\\[\s\S]?)*'?)`;

/** A bare `--` ends the flags (it is not itself a flag). */
export const EndOfFlags = createToken({
  name: 'EndOfFlags',
  pattern: /--(?![^\s])/,
  start_chars_hint: ['-'],
  line_breaks: false,
});

export const FlagWord = createToken({ name: 'FlagWord', pattern: new RegExp(`--${wordBody}+`), start_chars_hint: ['-'] });

export const ArgumentWord = createToken({ name: 'ArgumentWord', pattern: new RegExp(`${wordBody}+`), line_breaks: false });

export const allTokens = [Whitespace, Keyword, EndOfFlags, FlagWord, ArgumentWord];

export const lexerDefinition: IMultiModeLexerDefinition = {
  modes: {
    start: [Whitespace, Keyword],
    arguments: [Whitespace, EndOfFlags, FlagWord, ArgumentWord],
  },
  defaultMode: 'start',
};
