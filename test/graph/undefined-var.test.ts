// BuildKit's UndefinedVar check: Dockerfile text plus base-image configs → dispatch → the warnings runChecks
// gives, with BuildKit's message, line and did-you-mean (cases follow BuildKit's testUnmatchedVars and docs).
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../grammar/index.js';
import { buildGraph, runChecks, type BaseImageConfig } from '../../src/graph/index.js';

const alpine: BaseImageConfig = { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] };
const python: BaseImageConfig = { Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8', 'PYTHON_VERSION=3.12.4'] };

interface CheckOptions {
  images?: Record<string, BaseImageConfig>;
  unknownImages?: string[];
  buildArgs?: Record<string, string>;
  target?: string;
}

/** The UndefinedVar warnings of a build of `text`, as `rule: message (line n)`. */
function undefinedVars(text: string, options: CheckOptions = {}): string[] {
  const { ast, diagnostics } = parseDockerfile(text, { file: 'Dockerfile' });
  const buildArgs = options.buildArgs ?? {};
  const graph = buildGraph(ast, {
    target: options.target,
    buildArgs,
    baseImages: new Map(Object.entries(options.images ?? { alpine, python })),
    unknownImages: new Set(options.unknownImages ?? []),
  });
  return runChecks(ast, buildArgs, diagnostics, graph)
    .warnings.filter((w) => w.rule === 'UndefinedVar')
    .map((w) => `${w.message} (line ${w.range.start.line})`);
}

describe('UndefinedVar', () => {
  it('says nothing when every variable is an ARG (with or without a value), an ENV or the base image Env', () => {
    expect(undefinedVars('FROM scratch\nARG foo\nCOPY Dockerfile${foo} .\n')).toEqual([]);
    expect(undefinedVars('FROM python\nARG VERSION=$PYTHON_VERSION\nENV A=1\nWORKDIR /app/$A/$VERSION\nUSER $LANG\n')).toEqual([]);
    // RUN/CMD/ENTRYPOINT text is the shell's to expand.
    expect(undefinedVars('FROM alpine\nRUN echo $nope\nCMD echo $nope\nENTRYPOINT ["$nope"]\nHEALTHCHECK CMD echo $nope\n')).toEqual([]);
  });

  it('reports a variable used before its ARG, at the instruction that used it', () => {
    expect(undefinedVars('FROM alpine\nCOPY $foo .\nARG foo=bar\nRUN echo $foo\n')).toEqual(["Usage of undefined variable '$foo' (line 2)"]);
  });

  it('suggests the closest defined name, case-sensitively, from ENV, ARG values and the base image', () => {
    expect(undefinedVars('FROM alpine\nARG DIR_BINARIES=binaries/\nARG DIR_ASSETS=assets/\nARG DIR_CONFIG=config/\nCOPY $DIR_ASSET .\n')).toEqual([
      "Usage of undefined variable '$DIR_ASSET' (did you mean $DIR_ASSETS?) (line 5)",
    ]);
    expect(undefinedVars('FROM alpine\nENV PATH=$PAHT:/tmp/bin\n')).toEqual(["Usage of undefined variable '$PAHT' (did you mean $PATH?) (line 2)"]);
    // `path` is four edits from `PATH` when case counts.
    expect(undefinedVars('FROM alpine\nENV X=$path\n')).toEqual(["Usage of undefined variable '$path' (line 2)"]);
    // A declared ARG without a value is defined, but has nothing to suggest.
    expect(undefinedVars('FROM scratch\nARG VERSION\nLABEL v=$VERSON\n')).toEqual(["Usage of undefined variable '$VERSON' (line 3)"]);
  });

  it('breaks a tie between equally close names as BuildKit does: the name set longest ago wins', () => {
    expect(undefinedVars('FROM alpine\nARG FOO_A=1\nENV FOO_B=2\nLABEL x=$FOO_C\n')).toEqual(["Usage of undefined variable '$FOO_C' (did you mean $FOO_A?) (line 4)"]);
    expect(undefinedVars('FROM alpine\nENV FOO_A=1 FOO_B=2\nENV FOO_A=3\nLABEL x=$FOO_C\n')).toEqual(["Usage of undefined variable '$FOO_C' (did you mean $FOO_B?) (line 4)"]);
  });

  it('counts ${x:-default}, ${x+alt} and ${x#pattern} uses too, and variables inside the modifier word', () => {
    expect(undefinedVars('FROM scratch\nWORKDIR ${a:-/app}\nUSER ${b+$c}\nLABEL d=${d#x}\n')).toEqual([
      "Usage of undefined variable '$a' (line 2)",
      "Usage of undefined variable '$c' (line 3)",
      "Usage of undefined variable '$b' (line 3)",
      "Usage of undefined variable '$d' (line 4)",
    ]);
  });

  it('expands all pairs of an ENV line with the environment from before the line', () => {
    expect(undefinedVars('FROM scratch\nENV a=1 b=$a\nENV c=$a\n')).toEqual(["Usage of undefined variable '$a' (line 2)"]);
  });

  it('lets an ARG default use the ARGs declared before it on the same line, and skips defaults a --build-arg replaces', () => {
    expect(undefinedVars('FROM scratch\nARG a=1 b=$a c=$later\nARG later=2\n')).toEqual(["Usage of undefined variable '$later' (line 2)"]);
    expect(undefinedVars('FROM scratch\nARG c=$later\n', { buildArgs: { c: 'given' } })).toEqual([]);
  });

  it('reports each undefined name once per expanded word, so twice when two words (or two --mount options) use it', () => {
    const twice = ["Usage of undefined variable '$x' (line 2)", "Usage of undefined variable '$x' (line 2)"];
    expect(undefinedVars('FROM scratch\nCOPY $x$x $x/\n')).toEqual(twice);
    expect(undefinedVars('FROM alpine\nRUN --mount=type=cache,target=/c$x,id=$x$x true\n')).toEqual(twice);
  });

  it('checks what BuildKit checks: COPY/ADD flags and heredoc bodies, RUN --mount, VOLUME, STOPSIGNAL; not EXPOSE or --exclude', () => {
    const text = [
      'FROM alpine',
      'COPY --chown=$owner --chmod=$mode --exclude=$skip a /b/',
      'COPY <<EOF /c',
      'hello $who',
      'EOF',
      'RUN --mount=type=cache,target=/c/$cachedir --network=default echo',
      'VOLUME /v$vol',
      'STOPSIGNAL 9$sig', // still a valid signal once $sig is empty
      'EXPOSE 80$port',
      '',
    ].join('\n');
    expect(undefinedVars(text)).toEqual([
      "Usage of undefined variable '$owner' (line 2)",
      "Usage of undefined variable '$mode' (line 2)",
      "Usage of undefined variable '$who' (line 3)",
      "Usage of undefined variable '$cachedir' (line 6)",
      "Usage of undefined variable '$vol' (line 7)",
      "Usage of undefined variable '$sig' (line 8)",
    ]);
  });

  it('does not take global ARGs or automatic platform args as defined in a stage that does not declare them', () => {
    expect(undefinedVars('ARG VERSION=1\nFROM alpine\nLABEL v=$VERSION arch=$TARGETARCH\nARG TARGETARCH\nLABEL arch=$TARGETARCH\n')).toEqual([
      "Usage of undefined variable '$VERSION' (line 3)",
      "Usage of undefined variable '$TARGETARCH' (line 3)",
    ]);
  });

  it('inherits ENV, ARG values and ARG declarations into a stage built FROM another stage', () => {
    expect(undefinedVars('FROM alpine AS base\nARG foo=Dockerfile\nARG bare\nENV E=1\n\nFROM base\nCOPY $foo $bare$E /x/\n')).toEqual([]);
  });

  it('judges only the stages the target needs, as a build does', () => {
    const text = 'FROM scratch AS first\nCOPY $foo .\n\nFROM scratch AS second\nCOPY $bar .\n';
    expect(undefinedVars(text)).toEqual(["Usage of undefined variable '$bar' (line 5)"]);
    expect(undefinedVars(text, { target: 'first' })).toEqual(["Usage of undefined variable '$foo' (line 2)"]);
  });

  it('judges nothing in stages on an image whose config is unknown', () => {
    const text = 'FROM mystery AS a\nCOPY $FROM_IMAGE .\nFROM a\nCOPY $FROM_IMAGE .\nFROM scratch\nCOPY $nope .\n';
    expect(undefinedVars(text, { unknownImages: ['mystery'] })).toEqual(["Usage of undefined variable '$nope' (line 6)"]);
  });

  it('reports the uses of an ONBUILD trigger of the base at the FROM that fires it', () => {
    const images = { parent: { Env: ['PATH=/bin'], OnBuild: ['COPY $trigger /'] } };
    expect(undefinedVars('FROM scratch\nCOPY $a /\nFROM parent\n', { images })).toEqual(["Usage of undefined variable '$trigger' (line 3)"]);
  });

  it('honours # check=skip=UndefinedVar (for the file or one instruction) and BUILDKIT_DOCKERFILE_CHECK like every rule', () => {
    expect(undefinedVars('# check=skip=UndefinedVar\nFROM scratch\nCOPY $x .\n')).toEqual([]);
    expect(undefinedVars('FROM scratch\n# check=skip=UndefinedVar\nCOPY $x .\nCOPY $y .\n')).toEqual(["Usage of undefined variable '$y' (line 4)"]);
    expect(undefinedVars('FROM scratch\nCOPY $x .\n', { buildArgs: { BUILDKIT_DOCKERFILE_CHECK: 'skip=UndefinedVar' } })).toEqual([]);
  });

  it('never calls the SBOM scan args undefined', () => {
    expect(undefinedVars('FROM scratch\nLABEL a=$BUILDKIT_SBOM_SCAN_STAGE\n')).toEqual([]);
  });
});
