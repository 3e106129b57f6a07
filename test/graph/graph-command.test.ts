// `tsbuild graph`: output formats over a graph built from a hand-made AST, and the real CLI on real files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliPath } from '../helpers/paths.js';
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
        's0.0   [build 1/2] FROM docker.io/library/busybox:latest  ← image busybox (unresolved)',
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

describe('tsbuild graph (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbuild-graph-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[]) => {
    const result = spawnSync(process.execPath, [cliPath, '--root', join(dir, 'root'), 'graph', ...args], { encoding: 'utf8' });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('prints the steps of the target with build args applied', () => {
    writeFileSync(join(dir, 'Dockerfile'), 'ARG BASE=alpine\nFROM $BASE AS build\nRUN make\nFROM scratch\nCOPY --from=build /out /\n');
    const result = run(['--build-arg', 'BASE=busybox:1.36', '--target', 'build', dir]);
    expect(result).toEqual({
      code: 0,
      stdout: ['target: build', 's0.0   [build 1/2] FROM docker.io/library/busybox:1.36  ← image busybox:1.36 (unresolved)', 's0.1   [build 2/2] RUN make  [after s0.0]', ''].join('\n'),
      stderr: '',
    });
  });

  it('prints a Dockerfile error with its snippet and exits 1', () => {
    const file = join(dir, 'Broken.Dockerfile');
    writeFileSync(file, 'FROM busybox AS a\nRUN true\nFROM busybox AS A\n');
    const result = run(['-f', file, dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'ERROR: Duplicate stage name "A", stage names should be unique',
        `${file}:3:17`,
        '   1 | FROM busybox AS a',
        '   2 | RUN true',
        ' > 3 | FROM busybox AS A',
        '     |                 ^',
        '',
      ].join('\n'),
    );
  });
});
