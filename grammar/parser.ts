// The instruction-line grammar: keyword, leading flags, an optional `--` and the rest of the line.
// One parser instance, created (and self-analysed) lazily on first use.
import { CstParser, generateCstDts, type CstNode, type IToken } from 'chevrotain';
import { allTokens, EndOfFlags, FlagWord, Keyword, Rest } from './tokens.js';

class InstructionLineParser extends CstParser {
  /** `validate`: chevrotain's grammar checks, ~4 ms at start-up; the grammar tests run them, builds skip them. */
  constructor(validate: boolean) {
    super(allTokens, { recoveryEnabled: false, skipValidations: !validate });
    this.performSelfAnalysis();
  }

  // Rule bodies are built once here rather than as closures on every call (chevrotain's advice for speed).
  private readonly flagWord = (): void => {
    this.CONSUME(FlagWord);
  };

  private readonly endOfFlags = (): void => {
    this.CONSUME(EndOfFlags);
  };

  private readonly rest = (): void => {
    this.CONSUME(Rest);
  };

  readonly instructionLine = this.RULE('instructionLine', () => {
    this.CONSUME(Keyword);
    this.SUBRULE(this.flags);
    this.OPTION(this.rest);
  });

  readonly flags = this.RULE('flags', () => {
    this.MANY(this.flagWord);
    this.OPTION(this.endOfFlags);
  });
}

let parser: InstructionLineParser | undefined;

export function instructionLineParser(): InstructionLineParser {
  parser ??= new InstructionLineParser(false);
  return parser;
}

/** Throws chevrotain's definition errors, if the grammar has any. */
export function validateInstructionLineGrammar(): void {
  new InstructionLineParser(true);
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
