// BuildKit's AST dump format (conformance README §1), rendered from the grammar's InstructionNodes.
import type { InstructionNode } from '../../grammar/index.js';
import { goQuote } from './go-quote.js';

export function dumpNode(node: InstructionNode): string {
  let out = `(${node.keywordText.toLowerCase()}`;
  if (node.flags.length > 0) {
    const flags = node.flags.map((f) => goQuote(`--${f.name}${f.value === undefined ? '' : `=${f.value}`}`));
    out += ` [${flags.join(' ')}]`;
  }
  if (node.trigger) out += ` ${dumpNode(node.trigger)}`;
  for (const arg of node.args) out += ` ${goQuote(arg.value)}`;
  return `${out})`;
}

export function dumpNodes(nodes: readonly InstructionNode[]): string {
  return nodes.map((n) => `${dumpNode(n)}\n`).join('');
}
