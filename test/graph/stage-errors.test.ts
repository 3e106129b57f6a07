// Stage-level broken Dockerfiles: each fails with BuildKit's message, pointing at the offending place.
import { describe, expect, it } from 'vitest';
import type { Dockerfile } from '../../grammar/index.js';
import { DockerfileError, TsbuildError, UserError } from '../../src/errors.js';
import { buildGraph, planStages } from '../../src/graph/index.js';
import { ARG, COPY, dockerfile, EXPOSE, FROM, HEALTHCHECK, RUN, WORKDIR } from './ast-builder.js';

function failure(ast: Dockerfile, options: { target?: string; buildArgs?: Record<string, string> } = {}): TsbuildError {
  try {
    buildGraph(ast, { ...options, baseImages: new Map() });
  } catch (err) {
    if (err instanceof TsbuildError) return err;
    throw err;
  }
  throw new Error('expected the graph to fail');
}

function expectDockerfileError(ast: Dockerfile, message: string, line: number, column?: number, options = {}): void {
  const err = failure(ast, options);
  expect(err).toBeInstanceOf(DockerfileError);
  expect(err.message).toBe(message);
  expect(err.sources[0]?.line).toBe(line);
  if (column !== undefined) expect(err.sources[0]?.column).toBe(column);
  expect(err.sources[0]?.file).toBe('Dockerfile');
}

describe('stage errors', () => {
  it('COPY --from a name that is neither a stage nor a valid image reference', () => {
    const ast = dockerfile(FROM('busybox'), COPY(['/a'], '/b', { flags: [['from', 'Build_Stage']] }));
    expectDockerfileError(
      ast,
      'failed to parse stage name "Build_Stage": invalid reference format: repository name (library/Build_Stage) must be lowercase',
      2,
      13,
    );
  });

  it('a stage name used twice (case-insensitively)', () => {
    const ast = dockerfile(FROM('busybox', { as: 'build' }), FROM('alpine', { as: 'Build' }));
    expectDockerfileError(ast, 'Duplicate stage name "Build", stage names should be unique', 2, 16);
  });

  it('a stage copying from itself', () => {
    const ast = dockerfile(FROM('busybox', { as: 'stage0' }), COPY(['f1'], '/sub/', { flags: [['from', 'stage0']] }));
    expectDockerfileError(ast, 'circular dependency detected on stage: stage0', 1);
  });

  it('a cycle of three stages is named by its first stage', () => {
    const ast = dockerfile(
      FROM('busybox', { as: 'stage0' }),
      COPY(['f1'], '/sub/', { flags: [['from', 'stage2']] }),
      FROM('busybox', { as: 'stage1' }),
      COPY(['f2'], '/sub/', { flags: [['from', 'stage0']] }),
      FROM('busybox', { as: 'stage2' }),
      COPY(['f2'], '/sub/', { flags: [['from', 'stage1']] }),
    );
    expectDockerfileError(ast, 'circular dependency detected on stage: stage0', 1);
  });

  it('COPY --from a stage defined later', () => {
    const ast = dockerfile(
      FROM('busybox', { as: 'first' }),
      COPY(['/out'], '/', { flags: [['from', 'later']] }),
      FROM('busybox', { as: 'later' }),
    );
    expectDockerfileError(ast, 'cannot copy from stage "later", it needs to be defined before current stage "first"', 2, 13, {
      target: 'first',
    });
  });

  it('FROM an image name that expands to nothing', () => {
    const ast = dockerfile(ARG(['BLANK']), FROM('${BLANK}', { as: 'foo' }));
    expectDockerfileError(ast, 'base name (${BLANK}) should not be blank', 2, 6);
  });

  it('FROM with an invalid --platform', () => {
    const ast = dockerfile(FROM('busybox', { flags: [['platform', 'linux']] }));
    expectDockerfileError(ast, 'failed to parse platform linux: "linux": unknown operating system or architecture: invalid argument', 1, 17);
  });

  it('an ARG with a blank name', () => {
    const ast = dockerfile(FROM('busybox'), ARG(['', 'x']));
    expectDockerfileError(ast, 'ARG names can not be blank', 2, 5);
  });

  it('an invalid stage name', () => {
    const ast = dockerfile(FROM('busybox', { as: '1s' }));
    expectDockerfileError(ast, 'invalid name for build stage: "1s", name can\'t start with a number or contain symbols', 1, 17);
  });

  it('a required global ARG that is missing', () => {
    const ast = dockerfile(ARG(['FOO', '${FOO:?"custom error"}']), FROM('busybox:$FOO'));
    const err = failure(ast);
    expect(err.message).toBe('FOO: custom error');
    expect(err.sources[0]?.line).toBe(1);
    expect(() => buildGraph(ast, { buildArgs: { FOO: 'bar' }, baseImages: new Map() })).not.toThrow();
  });

  it('an instruction before the first FROM', () => {
    expectDockerfileError(dockerfile(WORKDIR('/x'), FROM('busybox')), 'no build stage in current context', 1, 1);
  });

  it('a Dockerfile with only ARGs', () => {
    expectDockerfileError(dockerfile(ARG(['foo', 'bar'])), 'dockerfile contains no stages to build', 1);
  });

  it('COPY of a URL', () => {
    const ast = dockerfile(FROM('scratch'), COPY(['http://github.com/moby/buildkit/blob/master/README.md'], '/'));
    expectDockerfileError(ast, "source can't be a URL for COPY", 2);
  });

  it('RUN --mount from= with a variable', () => {
    const ast = dockerfile(FROM('busybox'), RUN('ls', { flags: [['mount', 'from=$ttt,target=/x']] }));
    expectDockerfileError(ast, "'from' doesn't support variable expansion, define alias stage instead", 2);
  });

  it('RUN --mount with a misspelt key and an unknown type', () => {
    expectDockerfileError(dockerfile(FROM('busybox'), RUN('ls', { flags: [['mount', 'typ=tmpfs']] })), "unexpected key 'typ' in 'typ=tmpfs'", 2);
    expectDockerfileError(dockerfile(FROM('busybox'), RUN('ls', { flags: [['mount', 'type=tmp,target=/x']] })), 'unsupported mount type "tmp"', 2);
  });

  it('EXPOSE without a container port', () => {
    expectDockerfileError(dockerfile(FROM('busybox'), EXPOSE('0.0.0.0:1234-1235:')), 'invalid port: "0.0.0.0:1234-1235:": no port specified', 2, 8);
  });

  it('HEALTHCHECK interval below 1ms', () => {
    const ast = dockerfile(FROM('busybox'), HEALTHCHECK('true', [['interval', '50ns']]));
    expectDockerfileError(ast, 'Interval "interval" cannot be less than 1ms', 2);
  });

  it('an unknown --target is the user\'s error, with a suggestion', () => {
    const ast = dockerfile(FROM('busybox', { as: 'build' }), FROM('busybox', { as: 'final' }));
    const err = failure(ast, { target: 'bulid' });
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe('target stage "bulid" could not be found (did you mean build?)');
  });

  it('a stage the target does not need may be broken', () => {
    const ast = dockerfile(
      FROM('${MISSING:?not set}', { as: 'broken' }),
      COPY(['x'], '/', { flags: [['from', 'nowhere_Bad']] }),
      FROM('busybox', { as: 'good' }),
      RUN('true'),
    );
    expect(planStages(ast).reachable).toEqual([1]);
    expect(planStages(ast).imageRefs).toEqual(['busybox']);
    expectDockerfileError(ast, 'MISSING: not set', 1, 6, { target: 'broken' });
  });
});
