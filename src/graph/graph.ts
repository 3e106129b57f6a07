// Typed wrapper over @dagrejs/graphlib, the only file importing it: a directed graph of string ids with
// topological order and cycle detection (BuildKit names stages on a cycle; we need the cycle members).
import { Graph, alg } from '@dagrejs/graphlib';

export class Digraph {
  readonly #graph = new Graph({ directed: true });

  addNode(id: string): void {
    this.#graph.setNode(id);
  }

  /** `from` is an input of `to`. */
  addEdge(from: string, to: string): void {
    this.#graph.setEdge(from, to);
  }

  /**
   * Every cycle (strongly connected component with a loop), including self-loops. graphlib's Tarjan is
   * recursive and overflows the stack near 4000 chained nodes: use it on stage graphs, not step graphs.
   */
  cycles(): string[][] {
    return alg.findCycles(this.#graph);
  }

  /** Ids with every input before its consumers; ties keep insertion order. Throws on a cycle. */
  topologicalOrder(): string[] {
    const inserted = this.#graph.nodes();
    const rank = new Map(inserted.map((id, i) => [id, i]));
    const remaining = new Map(inserted.map((id) => [id, this.#graph.predecessors(id)?.length ?? 0]));
    const order: string[] = [];
    // Kahn's algorithm with the lowest insertion rank first, so the order follows the Dockerfile.
    const ready = inserted.filter((id) => remaining.get(id) === 0);
    while (ready.length > 0) {
      ready.sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
      const id = ready.shift() as string;
      order.push(id);
      for (const next of this.#graph.successors(id) ?? []) {
        const left = (remaining.get(next) ?? 0) - 1;
        remaining.set(next, left);
        if (left === 0) ready.push(next);
      }
    }
    if (order.length !== inserted.length) throw new Error('graph has a cycle');
    return order;
  }

  /** Ids reachable backwards from `id` (its inputs, their inputs…), `id` included. */
  ancestors(id: string): Set<string> {
    const seen = new Set<string>([id]);
    const stack = [id];
    while (stack.length > 0) {
      for (const prev of this.#graph.predecessors(stack.pop() as string) ?? []) {
        if (!seen.has(prev)) {
          seen.add(prev);
          stack.push(prev);
        }
      }
    }
    return seen;
  }
}
