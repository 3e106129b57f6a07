// The instruction-line grammar: keyword, leading flags, an optional `--` and the argument words.
// One parser instance, created (and self-analysed) lazily on first use.
import { CstParser, generateCstDts, type CstNode, type IToken } from 'chevrotain';
import { allTokens, ArgumentWord, EndOfFlags, FlagWord, Keyword } from './tokens.js';

class InstructionLineParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: false });
    this.performSelfAnalysis();
  }

  // Rule bodies are built once here rather than as closures on every call (chevrotain's advice for speed).
  private readonly flagWord = (): void => {
    this.CONSUME(FlagWord);
  };

  private readonly endOfFlags = (): void => {
    this.CONSUME(EndOfFlags);
  };

  // After the flags, words that look like flags are ordinary arguments (`RUN echo --help`).
  private readonly argumentAlternatives = [
    { ALT: (): unknown => this.CONSUME(ArgumentWord) },
    { ALT: (): unknown => this.CONSUME2(FlagWord) },
    { ALT: (): unknown => this.CONSUME2(EndOfFlags) },
  ];

  private readonly argumentWord = (): void => {
    this.OR(this.argumentAlternatives);
  };

  readonly instructionLine = this.RULE('instructionLine', () => {
    this.CONSUME(Keyword);
    this.SUBRULE(this.flags);
    this.SUBRULE(this.argumentList);
  });

  readonly flags = this.RULE('flags', () => {
    this.MANY(this.flagWord);
    this.OPTION(this.endOfFlags);
  });

  readonly argumentList = this.RULE('argumentList', () => {
    this.MANY(this.argumentWord);
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
