// `tsbuild graph` output formats over a graph built from a hand-made AST.
import { describe, expect, it } from 'vitest';
import { formatGraph } from '../../src/cli/commands/graph.js';
import { buildGraph } from '../../src/graph/index.js';
import { COPY, dockerfile, FROM, RUN } from './ast-builder.js';

const graph = buildGraph(
  dockerfile(FROM('busybox', { as: 'build' }), RUN('make'), FROM('scratch'), COPY(['/out'], '/', { flags: [['from', 'build']] })),
  { baseImages: new Map() },
);

describe('tsbuild graph output', () => {
  it('text: steps in run order with their inputs, base images unresolved', () => {
    expect(formatGraph(graph, 'text')).toBe(
      [
        'target: stage-1',
        's0.0   [build 1/2] FROM busybox AS build  ← image busybox (unresolved)',
        's0.1   [build 2/2] RUN make  [after s0.0]',
        's1.0   [stage-1] FROM scratch  ← scratch',
        's1.1   [stage-1 1/1] COPY --from=build /out /  [after s1.0, s0.1 (copy-from)]',
        '',
      ].join('\n'),
    );
  });

  it('json: nodes in order and edges', () => {
    const json = JSON.parse(formatGraph(graph, 'json')) as { order: string[]; edges: unknown[]; nodes: { id: string }[] };
    expect(json.order).toEqual(['s0.0', 's0.1', 's1.0', 's1.1']);
    expect(json.nodes.map((n) => n.id)).toEqual(json.order);
    expect(json.edges).toHaveLength(3);
  });

  it('dot: one cluster per stage, dashed cross-stage edges', () => {
    const dot = formatGraph(graph, 'dot');
    expect(dot).toContain('subgraph "cluster_0" {');
    expect(dot).toContain('"s0.1" -> "s1.1" [style=dashed, label="copy-from"];');
    expect(dot.trimEnd().endsWith('}')).toBe(true);
  });
});
