// BuildKit parser vectors: heredocs (58), directives (17), JSON exec form (16), misc (11) and the
// testfile-line Dockerfile (1). Data is read from the shared conformance folder, one `it` per case.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chompHeredoc,
  findDirective,
  heredocsInLine,
  parseDockerfile,
  parseHeredocWord,
  splitShellWords,
  type Heredoc,
} from '../../grammar/index.js';
import { conformanceDir } from '../helpers/paths.js';

const parserDir = join(conformanceDir, 'parser');
const load = <T>(name: string): T => JSON.parse(readFileSync(join(parserDir, name), 'utf8')) as T;

interface ExpectedHeredoc {
  name: string;
  content: string;
  expand: boolean;
  chomp: boolean;
  fileDescriptor: number;
}

const shape = (h: Heredoc): ExpectedHeredoc => ({
  name: h.name,
  content: h.content,
  expand: h.expand,
  chomp: h.chomp,
  fileDescriptor: h.fileDescriptor ?? 0,
});

const syntaxErrors = (text: string) =>
  parseDockerfile(text).diagnostics.filter((d) => d.severity === 'error' && d.phase === 'syntax');

describe('heredoc-vectors', () => {
  const v = load<{
    parse_extracts_heredocs: { dockerfile: string; children: { child: number; line: string; heredocs: ExpectedHeredoc[] | null }[] };
    json_form_has_no_heredocs: { dockerfile: string; children_without_heredocs: number[] };
    chomp: { input: string; output: string }[];
    parse_heredoc_word: { valid_name_EOF: string[]; invalid_error: string[]; not_heredoc: string[] };
    heredocs_from_line: { line: string; names: string[] }[];
  }>('heredoc-vectors.json');

  const extracted = parseDockerfile(v.parse_extracts_heredocs.dockerfile);
  for (const c of v.parse_extracts_heredocs.children) {
    it(`heredoc-vectors child ${c.child}: ${c.line}`, () => {
      expect(syntaxErrors(v.parse_extracts_heredocs.dockerfile)).toEqual([]);
      const node = extracted.nodes[c.child];
      expect(node).toBeDefined();
      expect(node?.heredocs.map(shape)).toEqual(c.heredocs ?? []);
    });
  }

  it('heredoc-vectors JSON form has no heredocs', () => {
    const { nodes } = parseDockerfile(v.json_form_has_no_heredocs.dockerfile);
    for (const child of v.json_form_has_no_heredocs.children_without_heredocs) {
      expect(nodes[child]?.json).toBe(true);
      expect(nodes[child]?.heredocs).toEqual([]);
    }
  });

  for (const c of v.chomp) {
    it(`heredoc-vectors chomp ${JSON.stringify(c.input)}`, () => expect(chompHeredoc(c.input)).toBe(c.output));
  }

  for (const word of v.parse_heredoc_word.valid_name_EOF) {
    it(`heredoc-vectors word ${word} is a heredoc named EOF`, () => expect(parseHeredocWord(word)?.name).toBe('EOF'));
  }
  for (const word of v.parse_heredoc_word.invalid_error) {
    it(`heredoc-vectors word ${word} is an error`, () => expect(() => parseHeredocWord(word)).toThrow());
  }
  for (const word of v.parse_heredoc_word.not_heredoc) {
    it(`heredoc-vectors word ${JSON.stringify(word)} is not a heredoc`, () => expect(parseHeredocWord(word)).toBeUndefined());
  }

  for (const c of v.heredocs_from_line) {
    it(`heredoc-vectors line ${c.line}`, () => expect(heredocsInLine(c.line).map((h) => h.name)).toEqual(c.names));
  }
});

describe('directive-vectors', () => {
  interface Detect {
    input: string;
    input_hex_prefix?: string;
    ok: boolean;
    ref?: string;
    value?: string;
    cmdline?: string;
    line?: number;
  }
  const v = load<{
    parse_all: { input: string; directives: { name: string; value: string }[] }[];
    detect_syntax: Detect[];
    parse_directive_check: Detect[];
  }>('directive-vectors.json');

  for (const c of v.parse_all) {
    it(`directive-vectors parse_all ${JSON.stringify(c.input)}`, () => {
      const { ast } = parseDockerfile(c.input);
      expect(ast.directives.map((d) => ({ name: d.name, value: d.value }))).toEqual(c.directives);
    });
  }

  const detectCase = (name: 'syntax' | 'check', c: Detect) => () => {
    const prefix = c.input_hex_prefix ? Buffer.from(c.input_hex_prefix, 'hex').toString('utf8') : '';
    const found = findDirective(prefix + c.input, name);
    if (!c.ok) {
      expect(found).toBeUndefined();
      return;
    }
    expect(found?.ref).toBe(c.ref ?? c.value);
    if (c.cmdline !== undefined) expect(found?.cmdline).toBe(c.cmdline);
    if (c.line !== undefined) expect(found?.line).toBe(c.line);
  };
  for (const c of v.detect_syntax) it(`directive-vectors detect_syntax ${JSON.stringify(c.input)}`, detectCase('syntax', c));
  for (const c of v.parse_directive_check) it(`directive-vectors check ${JSON.stringify(c.input)}`, detectCase('check', c));
});

describe('json-vectors', () => {
  const v = load<{ valid: { input: string; output: string[] }[]; invalid_not_string_array: string[] }>('json-vectors.json');
  for (const c of v.valid) {
    it(`json-vectors valid ${c.input}`, () => {
      const { nodes, diagnostics } = parseDockerfile(`CMD ${c.input}`);
      expect(diagnostics).toEqual([]);
      expect(nodes[0]?.json).toBe(true);
      expect(nodes[0]?.args.map((a) => a.value)).toEqual(c.output);
    });
  }
  for (const input of v.invalid_not_string_array) {
    it(`json-vectors invalid ${input}`, () => {
      expect(syntaxErrors(`CMD ${input}`).map((d) => d.message)).toEqual([
        'when using JSON array syntax, arrays must be comprised of strings only',
      ]);
    });
  }
});

describe('parser-misc-vectors', () => {
  const v = load<{
    parse_words: { cases: { input: string; words: string[] }[] };
    line_numbers: { file: string; ast: { startLine: number; endLine: number }; children: [number, number][] };
    empty_continuation_warnings: {
      dockerfile: string;
      warning_count: number;
      warnings_contain: string[][];
      first_warning_detail_contains: string;
    };
    line_too_long: { dockerfile_template: string; error: string };
  }>('parser-misc-vectors.json');

  for (const c of v.parse_words.cases) {
    it(`parser-misc-vectors parse_words ${c.input}`, () =>
      expect(splitShellWords(c.input, '\\').map((w) => w.value)).toEqual(c.words));
  }

  it('parser-misc-vectors line_numbers', () => {
    const { nodes } = parseDockerfile(readFileSync(join(parserDir, v.line_numbers.file), 'utf8'));
    expect(nodes.map((n) => [n.range.start.line, n.range.end.line])).toEqual(v.line_numbers.children);
    expect([nodes[0]?.range.start.line, nodes.at(-1)?.range.end.line]).toEqual([v.line_numbers.ast.startLine, v.line_numbers.ast.endLine]);
  });

  it('parser-misc-vectors empty_continuation_warnings', () => {
    const c = v.empty_continuation_warnings;
    const warnings = parseDockerfile(c.dockerfile).diagnostics.filter((d) => d.severity === 'warning');
    expect(warnings).toHaveLength(c.warning_count);
    c.warnings_contain.forEach((parts, i) => {
      for (const part of parts) expect(warnings[i]?.message).toContain(part);
    });
    expect(warnings[0]?.hint).toContain(c.first_warning_detail_contains);
  });

  it('parser-misc-vectors line_too_long', () => {
    const text = v.line_too_long.dockerfile_template.replace("<65536 x 'a'>", 'a'.repeat(65536));
    expect(syntaxErrors(text).map((d) => d.message)).toEqual([v.line_too_long.error]);
  });
});

describe('testfile-line', () => {
  it('testfile-line Dockerfile parses into three instructions', () => {
    const text = readFileSync(join(parserDir, 'testfile-line', 'Dockerfile'), 'utf8');
    const { ast, diagnostics } = parseDockerfile(text);
    // The RUN has blank lines inside its continuation: a warning, not an error.
    expect(diagnostics.map((d) => [d.severity, d.code])).toEqual([['warning', 'empty-continuation']]);
    expect(ast.instructions.map((i) => i.keyword)).toEqual(['FROM', 'ENV', 'RUN']);
  });
});
