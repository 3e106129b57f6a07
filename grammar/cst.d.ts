import type { CstNode, ICstVisitor, IToken } from "./visitor.js";

export interface InstructionLineCstNode extends CstNode {
  name: "instructionLine";
  children: InstructionLineCstChildren;
}

export type InstructionLineCstChildren = {
  Keyword: IToken[];
  flags: FlagsCstNode[];
  Rest?: IToken[];
};

export interface FlagsCstNode extends CstNode {
  name: "flags";
  children: FlagsCstChildren;
}

export type FlagsCstChildren = {
  FlagWord?: IToken[];
  EndOfFlags?: IToken[];
};

export interface ICstNodeVisitor<IN, OUT> extends ICstVisitor<IN, OUT> {
  instructionLine(children: InstructionLineCstChildren, param?: IN): OUT;
  flags(children: FlagsCstChildren, param?: IN): OUT;
}
