import type { CstNode, ICstVisitor, IToken } from "./visitor.js";

export interface InstructionLineCstNode extends CstNode {
  name: "instructionLine";
  children: InstructionLineCstChildren;
}

export type InstructionLineCstChildren = {
  Keyword: IToken[];
  flags: FlagsCstNode[];
  argumentList: ArgumentListCstNode[];
};

export interface FlagsCstNode extends CstNode {
  name: "flags";
  children: FlagsCstChildren;
}

export type FlagsCstChildren = {
  FlagWord?: IToken[];
  EndOfFlags?: IToken[];
};

export interface ArgumentListCstNode extends CstNode {
  name: "argumentList";
  children: ArgumentListCstChildren;
}

export type ArgumentListCstChildren = {
  ArgumentWord?: IToken[];
  FlagWord?: IToken[];
  EndOfFlags?: IToken[];
};

export interface ICstNodeVisitor<IN, OUT> extends ICstVisitor<IN, OUT> {
  instructionLine(children: InstructionLineCstChildren, param?: IN): OUT;
  flags(children: FlagsCstChildren, param?: IN): OUT;
  argumentList(children: ArgumentListCstChildren, param?: IN): OUT;
}
