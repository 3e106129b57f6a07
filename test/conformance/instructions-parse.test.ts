// BuildKit instruction-level vectors that belong to the grammar (39): argument-count errors, error cases,
// flags used, HEALTHCHECK, COPY heredoc sources, RUN heredocs and doc comments.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chompHeredoc, parseDockerfile, type Instruction } from '../../grammar/index.js';
import { conformanceDir } from '../helpers/paths.js';

interface Vectors {
  argument_count_errors: { dockerfile: string; error: string }[];
  error_cases: { dockerfile: string; error_contains: string }[];
  run_flags_used: { dockerfile: string; flags_used: string[] }[];
  healthcheck: { dockerfile: string; test: string[] }[];
  healthcheck_interval: { value: string; ok?: boolean; error_contains?: string }[];
  copy_heredoc_sources: {
    cases: { dockerfile: string; dest: string; paths: string[]; contents: { path: string; data: string; expand: boolean }[] }[];
  };
  run_heredoc: {
    cases: { dockerfile: string; prepend_shell: boolean; cmdline: string[]; files: { name: string; data: string; chomp: boolean }[] }[];
  };
  doc_comments: {
    dockerfile: string;
    stage_doc: string;
    global_args: { key: string; doc: string }[];
    stage_args: { key: string; doc: string }[];
  };
}

const v = JSON.parse(readFileSync(join(conformanceDir, 'instructions', 'instruction-vectors.json'), 'utf8')) as Vectors;

const errorMessages = (text: string): string[] =>
  parseDockerfile(text).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);

function only<K extends Instruction['keyword']>(text: string, keyword: K): Extract<Instruction, { keyword: K }> {
  const { ast, diagnostics } = parseDockerfile(text);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const [instruction] = ast.instructions;
  expect(instruction?.keyword).toBe(keyword);
  return instruction as Extract<Instruction, { keyword: K }>;
}

/** BuildKit's doc rule: a comment line whose first word is `name` documents it with the rest of the line. */
function docFor(name: string, comments: string[]): string {
  for (const comment of comments) {
    const [first, ...rest] = comment.split(' ');
    if (first === name) return rest.join(' ');
  }
  return '';
}

describe('instruction-vectors', () => {
  for (const c of v.argument_count_errors) {
    it(`instruction-vectors argument_count_errors ${c.dockerfile}`, () => expect(errorMessages(c.dockerfile)).toContain(c.error));
  }

  for (const c of v.error_cases) {
    it(`instruction-vectors error_cases ${JSON.stringify(c.dockerfile)}`, () => {
      expect(errorMessages(c.dockerfile).some((m) => m.includes(c.error_contains))).toBe(true);
    });
  }

  for (const c of v.run_flags_used) {
    it(`instruction-vectors run_flags_used ${c.dockerfile}`, () => {
      expect(only(c.dockerfile, 'RUN').flags.map((f) => f.name)).toEqual(c.flags_used);
    });
  }

  for (const c of v.healthcheck) {
    it(`instruction-vectors healthcheck ${c.dockerfile}`, () => {
      const { check } = only(c.dockerfile, 'HEALTHCHECK');
      expect(check.kind).toBe('cmd');
      if (check.kind !== 'cmd') return;
      const test =
        check.command.kind === 'shell' ? ['CMD-SHELL', check.command.command.value] : ['CMD', ...check.command.args.map((a) => a.value)];
      expect(test).toEqual(c.test);
    });
  }

  for (const c of v.healthcheck_interval) {
    it(`instruction-vectors healthcheck_interval ${c.value}`, () => {
      const messages = errorMessages(`HEALTHCHECK --interval=${c.value} CMD true`);
      if (c.ok) expect(messages).toEqual([]);
      else expect(messages.some((m) => m.includes(c.error_contains as string))).toBe(true);
    });
  }

  for (const c of v.copy_heredoc_sources.cases) {
    it(`instruction-vectors copy_heredoc_sources ${JSON.stringify(c.dockerfile)}`, () => {
      const copy = only(c.dockerfile, 'COPY');
      const heredocNames = new Set(copy.heredocs.map((h) => h.range.start.offset));
      expect(copy.destination.value).toBe(c.dest);
      expect(copy.sources.filter((s) => !heredocNames.has(s.range.start.offset)).map((s) => s.value)).toEqual(c.paths);
      const contents = copy.heredocs.map((h) => ({ path: h.name, data: h.chomp ? chompHeredoc(h.content) : h.content, expand: h.expand }));
      expect(contents).toEqual(c.contents);
    });
  }

  for (const c of v.run_heredoc.cases) {
    it(`instruction-vectors run_heredoc ${JSON.stringify(c.dockerfile)}`, () => {
      const run = only(c.dockerfile, 'RUN');
      expect(run.command.kind === 'shell').toBe(c.prepend_shell);
      const cmdline = run.command.kind === 'shell' ? [run.command.command.value] : run.command.args.map((a) => a.value);
      expect(cmdline).toEqual(c.cmdline);
      expect(run.heredocs.map((h) => ({ name: h.name, data: h.content, chomp: h.chomp }))).toEqual(c.files);
    });
  }

  it('instruction-vectors doc_comments', () => {
    const c = v.doc_comments;
    const { ast, diagnostics } = parseDockerfile(c.dockerfile);
    expect(diagnostics).toEqual([]);
    const fromIndex = ast.instructions.findIndex((i) => i.keyword === 'FROM');
    const from = ast.instructions[fromIndex] as Extract<Instruction, { keyword: 'FROM' }>;
    expect(docFor(from.stageName?.value ?? '', from.comments)).toBe(c.stage_doc);
    const argDocs = (list: Instruction[]) =>
      list.flatMap((i) => (i.keyword === 'ARG' ? i.args.map((a) => ({ key: a.name.value, doc: docFor(a.name.value, i.comments) })) : []));
    expect(argDocs(ast.instructions.slice(0, fromIndex))).toEqual(c.global_args);
    expect(argDocs(ast.instructions.slice(fromIndex + 1))).toEqual(c.stage_args);
  });
});
