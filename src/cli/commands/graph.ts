// `tsbuild graph [-f Dockerfile] [--target T] [--build-arg K=V] [--format text|json|dot] [CONTEXT]`:
// parse and plan a Dockerfile without building it; print the steps in the order they would run.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DockerfileError, TsbuildError, UserError } from '../../errors.js';
import type { InstructionGraph, StepNode } from '../../graph/index.js';
import type { CliContext } from '../context.js';
import { renderSnippet } from '../snippet.js';

interface GraphOptions {
  file?: string;
  target?: string;
  buildArg: Record<string, string>;
  format: 'text' | 'json' | 'dot';
}

function collectBuildArg(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  // `--build-arg NAME` (value from the environment) has nothing to offer a plan: it is left out.
  if (eq === 0) throw new InvalidArgumentError(`invalid build arg ${JSON.stringify(value)}`);
  return eq < 0 ? previous : { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function registerGraph(program: Command, context: CliContext): void {
  program
    .command('graph')
    .description('Show the steps a Dockerfile would run, without building')
    .argument('[context]', 'build context directory', '.')
    .option('-f, --file <path>', 'Dockerfile (default CONTEXT/Dockerfile)')
    .option('--target <stage>', 'build this stage and what it needs')
    .option('--build-arg <name=value>', 'set a build argument (repeatable)', collectBuildArg, {})
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'dot']).default('text'))
    .action(async (contextDir: string, opts: GraphOptions) => {
      const file = opts.file ?? dockerfileIn(contextDir);
      const text = await readFile(file, 'utf8').catch((err: unknown) => {
        throw new UserError(`failed to read Dockerfile ${file}: ${(err as Error).message}`, { cause: err });
      });
      try {
        const graph = await planGraph(text, file, opts);
        context.stdout.write(formatGraph(graph, opts.format));
      } catch (err) {
        if (!(err instanceof TsbuildError)) throw err;
        context.fail(err);
        for (const source of err.sources.filter((s) => s.file === file)) context.stderr.write(renderSnippet(text, source));
      }
    });
}

function dockerfileIn(contextDir: string): string {
  const lower = join(contextDir, 'dockerfile');
  const upper = join(contextDir, 'Dockerfile');
  return !existsSync(upper) && existsSync(lower) ? lower : upper;
}

async function planGraph(text: string, file: string, opts: GraphOptions): Promise<InstructionGraph> {
  // Loaded on use: the parser (chevrotain) takes ~0.4 s to import, which other commands should not pay.
  const [{ parseDockerfile }, { buildGraph }] = await Promise.all([import('../../../grammar/index.js'), import('../../graph/index.js')]);
  const { ast, diagnostics } = parseDockerfile(text, { file });
  const error = diagnostics.find((d) => d.severity === 'error');
  if (error !== undefined) {
    const { start, end } = error.range;
    const hint = error.hint === undefined ? '' : ` (${error.hint})`;
    throw new DockerfileError(`${error.message}${hint}`, {
      sources: [{ file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column }],
    });
  }
  // No image store here: base images stay unresolved references with empty configs.
  return buildGraph(ast, { target: opts.target, buildArgs: opts.buildArg, baseImages: new Map() });
}

export function formatGraph(graph: InstructionGraph, format: GraphOptions['format']): string {
  if (format === 'json') return `${JSON.stringify(graphJson(graph), null, 2)}\n`;
  if (format === 'dot') return graphDot(graph);
  return graphText(graph);
}

function inputsOf(graph: InstructionGraph, id: string): string[] {
  return graph.edges.filter((e) => e.to === id).map((e) => (e.kind === 'previous' ? e.from : `${e.from} (${e.kind})`));
}

function describeStep(node: StepNode): string {
  const step = node.step;
  if (step.kind !== 'source') return node.name;
  const base = step.base.kind === 'image' ? `image ${step.base.ref} (unresolved)` : step.base.kind === 'stage' ? `stage ${step.base.stage}` : 'scratch';
  return `${node.name}  ← ${base}`;
}

function graphText(graph: InstructionGraph): string {
  const lines = [`target: ${graph.stages.find((s) => s.index === graph.target)?.displayName ?? graph.target}`];
  for (const id of graph.order) {
    const node = graph.nodes.get(id) as StepNode;
    const inputs = inputsOf(graph, id);
    lines.push(`${id.padEnd(6)} ${describeStep(node)}${inputs.length > 0 ? `  [after ${inputs.join(', ')}]` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

function graphJson(graph: InstructionGraph): unknown {
  return {
    target: graph.target,
    stages: graph.stages,
    order: graph.order,
    nodes: graph.order.map((id) => graph.nodes.get(id)),
    edges: graph.edges,
  };
}

function graphDot(graph: InstructionGraph): string {
  const quote = (s: string): string => JSON.stringify(s);
  const lines = ['digraph tsbuild {', '  rankdir=TB;', '  node [shape=box];'];
  for (const stage of graph.stages) {
    lines.push(`  subgraph ${quote(`cluster_${stage.index}`)} {`, `    label=${quote(stage.displayName)};`);
    for (const id of stage.steps) lines.push(`    ${quote(id)} [label=${quote((graph.nodes.get(id) as StepNode).name)}];`);
    lines.push('  }');
  }
  for (const edge of graph.edges) {
    const style = edge.kind === 'previous' ? '' : ` [style=dashed, label=${quote(edge.kind)}]`;
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)}${style};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
