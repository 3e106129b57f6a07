// Token types of one logical instruction line, in three lexer modes: `start` reads the keyword, `flags` reads
// the leading `--flags` and `rest` takes everything after them as one token (its words are split per keyword
// by nodes.ts). Continuations, comments and heredoc bodies are resolved before lexing (parse.ts), so a
// logical line never holds a line break.
import { createToken, Lexer, type IMultiModeLexerDefinition } from 'chevrotain';

/** BuildKit splits the keyword from the rest on these (its reWhitespace), not on every Unicode space. */
export const Whitespace = createToken({ name: 'Whitespace', pattern: /[ \t\v\f\r\u00a0\u0085]+/, group: Lexer.SKIPPED });

export const Keyword = createToken({ name: 'Keyword', pattern: /[^ \t\v\f\r\u00a0\u0085]+/, push_mode: 'flags' });

// A flag word: unquoted characters, a backslash and the character it protects, or a quoted run (which may hold
// blanks; an unterminated quote runs to the end of the line). Flags always use backslash, as BuildKit does.
const wordBody = String.raw`(?:[^\s"'\\]|\\[\s\S]?|"(?:[^"\\]|\\[\s\S]?)*"?|'(?:[^'\\]|\\[\s\S]?)*'?)`;

/** A bare `--` ends the flags (it is not itself a flag). */
export const EndOfFlags = createToken({
  name: 'EndOfFlags',
  pattern: /--(?![^\s])/,
  start_chars_hint: ['-'],
  line_breaks: false,
  push_mode: 'rest',
});

export const FlagWord = createToken({ name: 'FlagWord', pattern: new RegExp(`--${wordBody}+`), start_chars_hint: ['-'] });

/** Everything from the first word that is not a flag to the end of the line. */
export const Rest = createToken({ name: 'Rest', pattern: /[^ \t\v\f\r\u00a0\u0085][\s\S]*/, line_breaks: false });

export const allTokens = [Whitespace, Keyword, EndOfFlags, FlagWord, Rest];

export const lexerDefinition: IMultiModeLexerDefinition = {
  modes: {
    start: [Whitespace, Keyword],
    // Order matters: chevrotain takes the first pattern that matches, so `--x` is a flag before it is Rest.
    flags: [Whitespace, EndOfFlags, FlagWord, Rest],
    rest: [Whitespace, Rest],
  },
  defaultMode: 'start',
};
