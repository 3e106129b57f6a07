// Stage-level broken Dockerfiles: each fails with BuildKit's message, pointing at the offending place.
// Real files go through the parser; the last group feeds the graph ASTs the parser would already reject,
// to keep the graph's own checks honest.
import { describe, expect, it } from 'vitest';
import { parseDockerfile, type Dockerfile } from '../../grammar/index.js';
import { DockerfileError, TsbuildError, UserError } from '../../src/errors.js';
import { buildGraph, planStages } from '../../src/graph/index.js';
import { ARG, dockerfile, FROM, HEALTHCHECK, RUN } from './ast-builder.js';

function parse(text: string): Dockerfile {
  const { ast, diagnostics } = parseDockerfile(text, { file: 'Dockerfile' });
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return ast;
}

function failure(ast: Dockerfile, options: { target?: string; buildArgs?: Record<string, string> } = {}): TsbuildError {
  try {
    buildGraph(ast, { ...options, baseImages: new Map() });
  } catch (err) {
    if (err instanceof TsbuildError) return err;
    throw err;
  }
  throw new Error('expected the graph to fail');
}

/** The error, its exact message, and where it points: [line, column] or [line, column, endLine, endColumn]. */
function expectError(input: string | Dockerfile, message: string, at: number[], options = {}): void {
  const err = failure(typeof input === 'string' ? parse(input) : input, options);
  expect(err).toBeInstanceOf(DockerfileError);
  expect(err.message).toBe(message);
  const source = err.sources[0];
  const position = [source?.line, source?.column, source?.endLine, source?.endColumn].slice(0, at.length);
  expect(position).toEqual(at);
  expect(source?.file).toBe('Dockerfile');
}

describe('stage errors', () => {
  it('COPY --from a name that is neither a stage nor a valid image reference', () => {
    expectError(
      'FROM busybox\nCOPY --from=Build_Stage /a /b\n',
      'failed to parse stage name "Build_Stage": invalid reference format: repository name (library/Build_Stage) must be lowercase',
      [2, 13, 2, 24],
    );
  });

  it('a stage name used twice (case-insensitively)', () => {
    expectError('FROM busybox AS build\nFROM alpine AS Build\n', 'Duplicate stage name "Build", stage names should be unique', [2, 16, 2, 21]);
  });

  it('a stage copying from itself', () => {
    expectError('FROM busybox AS stage0\nCOPY --from=stage0 f1 /sub/\n', 'circular dependency detected on stage: stage0', [1, 1]);
  });

  it('a cycle of three stages is named by its first stage', () => {
    const text = [
      'FROM busybox AS stage0',
      'COPY --from=stage2 f1 /sub/',
      'FROM busybox AS stage1',
      'COPY --from=stage0 f2 /sub/',
      'FROM busybox AS stage2',
      'COPY --from=stage1 f2 /sub/',
      '',
    ].join('\n');
    expectError(text, 'circular dependency detected on stage: stage0', [1, 1]);
  });

  it('COPY --from a stage defined later', () => {
    const text = 'FROM busybox AS first\nCOPY --from=later /out /\nFROM busybox AS later\n';
    expectError(text, 'cannot copy from stage "later", it needs to be defined before current stage "first"', [2, 13], { target: 'first' });
  });

  it('COPY --from with a variable in it, even a global ARG (BuildKit takes --from only as written)', () => {
    const message = 'variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround';
    expectError('ARG SRC=base\nFROM busybox AS base\nFROM busybox\nCOPY --from=$SRC /out /\n', message, [4, 13, 4, 17]);
    expectError('FROM busybox\nCOPY --from=${UNSET:-busybox} /etc/passwd /\n', message, [2, 13, 2, 30]);
  });

  it('FROM an image name that expands to nothing', () => {
    expectError('ARG BLANK\nFROM ${BLANK} AS foo\n', 'base name (${BLANK}) should not be blank', [2, 6, 2, 14]);
  });

  it('FROM with an invalid --platform', () => {
    expectError(
      'FROM --platform=linux busybox\n',
      'failed to parse platform linux: "linux": unknown operating system or architecture: invalid argument',
      [1, 17, 1, 22],
    );
  });

  it('a required global ARG that is missing', () => {
    const text = 'ARG FOO=${FOO:?"custom error"}\nFROM busybox:$FOO\n';
    expectError(text, 'FOO: custom error', [1, 9]);
    expect(() => buildGraph(parse(text), { buildArgs: { FOO: 'bar' }, baseImages: new Map() })).not.toThrow();
  });

  it('an instruction before the first FROM', () => {
    expectError('WORKDIR /x\nFROM busybox\n', 'no build stage in current context', [1, 1]);
  });

  it('a Dockerfile with only ARGs', () => {
    expectError('ARG foo=bar\n', 'dockerfile contains no stages to build', [1, 1]);
  });

  it('COPY of a URL', () => {
    expectError('FROM scratch\nCOPY http://example.com/README.md /\n', "source can't be a URL for COPY", [2, 6]);
  });

  it('RUN --mount from= with a variable', () => {
    expectError('FROM busybox\nRUN --mount=from=$ttt,target=/x ls\n', "'from' doesn't support variable expansion, define alias stage instead", [2, 13]);
  });

  it('EXPOSE without a container port', () => {
    expectError('FROM busybox\nEXPOSE 0.0.0.0:1234-1235:\n', 'invalid port: "0.0.0.0:1234-1235:": no port specified', [2, 8]);
  });

  it("an unknown --target is the user's error, with a suggestion", () => {
    const err = failure(parse('FROM busybox AS build\nFROM busybox AS final\n'), { target: 'bulid' });
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('target stage "bulid" could not be found (did you mean build?)');
  });

  it('a stage the target does not need may be broken', () => {
    const text = 'FROM ${MISSING:?notset} AS broken\nCOPY --from=nowhere_Bad x /\nFROM busybox AS good\nRUN true\n';
    expect(planStages(parse(text)).reachable).toEqual([1]);
    expect(planStages(parse(text)).imageRefs).toEqual(['busybox']);
    expectError(text, 'MISSING: notset', [1, 6], { target: 'broken' });
  });
});

describe('graph guards on ASTs the parser already rejects', () => {
  it('an invalid stage name', () => {
    expectError(
      dockerfile(FROM('busybox', { as: '1s' })),
      'invalid name for build stage: "1s", name can\'t start with a number or contain symbols',
      [1, 17],
    );
  });

  it('an ARG with a blank name', () => {
    expectError(dockerfile(FROM('busybox'), ARG(['', 'x'])), 'ARG names can not be blank', [2, 5]);
  });

  it('RUN --mount with a misspelt key and an unknown type', () => {
    expectError(dockerfile(FROM('busybox'), RUN('ls', { flags: [['mount', 'typ=tmpfs']] })), "unexpected key 'typ' in 'typ=tmpfs' (did you mean type?)", [2, 13]);
    expectError(dockerfile(FROM('busybox'), RUN('ls', { flags: [['mount', 'type=tmp,target=/x']] })), 'unsupported mount type "tmp" (did you mean tmpfs?)', [2, 13]);
  });

  it('HEALTHCHECK interval below 1ms', () => {
    expectError(dockerfile(FROM('busybox'), HEALTHCHECK('true', [['interval', '50ns']])), 'Interval "interval" cannot be less than 1ms', [2]);
  });
});
