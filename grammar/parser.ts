// The instruction-line grammar: keyword, leading flags, an optional `--` and the argument words.
// One parser instance, created (and self-analysed) lazily on first use.
import { CstParser, generateCstDts, type CstNode, type IToken } from 'chevrotain';
import { allTokens, ArgumentWord, EndOfFlags, FlagWord, Keyword } from './tokens.js';

class InstructionLineParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: false });
    this.performSelfAnalysis();
  }

  readonly instructionLine = this.RULE('instructionLine', () => {
    this.CONSUME(Keyword);
    this.SUBRULE(this.flags);
    this.SUBRULE(this.argumentList);
  });

  readonly flags = this.RULE('flags', () => {
    this.MANY(() => this.CONSUME(FlagWord));
    this.OPTION(() => this.CONSUME(EndOfFlags));
  });

  // After the flags, words that look like flags are ordinary arguments (`RUN echo --help`).
  readonly argumentList = this.RULE('argumentList', () => {
    this.MANY(() =>
      this.OR([
        { ALT: () => this.CONSUME(ArgumentWord) },
        { ALT: () => this.CONSUME2(FlagWord) },
        { ALT: () => this.CONSUME2(EndOfFlags) },
      ]),
    );
  });
}

let parser: InstructionLineParser | undefined;

export function instructionLineParser(): InstructionLineParser {
  parser ??= new InstructionLineParser();
  return parser;
}

export function parseInstructionLine(tokens: IToken[]): CstNode {
  const p = instructionLineParser();
  p.input = tokens;
  return p.instructionLine();
}

/**
 * The CST typings committed as grammar/cst.d.ts. They take chevrotain's types through visitor.ts so that
 * only the four files DESIGN.md names import chevrotain.
 */
export function instructionLineCstDts(): string {
  return generateCstDts(instructionLineParser().getGAstProductions()).replace('from "chevrotain"', 'from "./visitor.js"');
}
