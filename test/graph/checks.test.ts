// BuildKit's build checks on Dockerfile text: each rule's message and line, what does not trip them, and
// the `# check=` directive / BUILDKIT_DOCKERFILE_CHECK build arg.
import { describe, expect, it } from 'vitest';
import { compileIgnore, parseDockerfile, parseDockerignore } from '../../grammar/index.js';
import { buildGraph, runChecks, type CheckWarning } from '../../src/graph/index.js';

/** The warnings of a build: the text parsed, dispatched with `graph`'s options, then judged, as the engine does. */
function buildWarnings(text: string, graph: Parameters<typeof buildGraph>[1], dockerignore?: string): CheckWarning[] {
  const { ast, diagnostics } = parseDockerfile(text, { file: 'Dockerfile' });
  const ignore = dockerignore === undefined ? undefined : compileIgnore(parseDockerignore(dockerignore));
  return runChecks(ast, {}, diagnostics, buildGraph(ast, graph), ignore).warnings;
}

function check(text: string, buildArgs: Record<string, string> = {}): { found: string[]; failOnWarnings: boolean } {
  const { ast, diagnostics } = parseDockerfile(text, { file: 'Dockerfile' });
  const result = runChecks(ast, buildArgs, diagnostics);
  return { found: result.warnings.map((w) => `${w.rule}: ${w.message} (line ${w.range.start.line})`), failOnWarnings: result.failOnWarnings };
}

describe('build checks', () => {
  it('says nothing about a tidy Dockerfile', () => {
    const text = 'ARG BASE=busybox\nFROM $BASE AS build\nWORKDIR /app\nRUN echo hi > out\nFROM scratch\nCOPY --from=build /app/out /\nENV A=1\nLABEL a=b\nEXPOSE 80/tcp 53/udp\nCMD ["/out"]\n';
    expect(check(text).found).toEqual([]);
  });

  it('checks stage names and the casing of AS', () => {
    expect(check('FROM busybox as Builder\nFROM busybox AS builder\nfrom busybox AS x\nFROM busybox AS scratch\n').found).toEqual([
      "StageNameCasing: Stage name 'Builder' should be lowercase (line 1)",
      "FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)",
      'DuplicateStageName: Duplicate stage name "builder", stage names should be unique (line 2)',
      "FromAsCasing: 'AS' and 'from' keywords' casing do not match (line 3)",
      "ConsistentInstructionCasing: Command 'from' should match the case of the command majority (uppercase) (line 3)",
      'ReservedStageName: Stage name should not use the same name as reserved stage "scratch" (line 4)',
    ]);
  });

  it('checks FROM --platform: $TARGETPLATFORM is redundant, a constant is not wanted unless the stage is named for it', () => {
    expect(check('FROM --platform=$TARGETPLATFORM busybox\nFROM --platform=linux/amd64 busybox AS x\nFROM --platform=linux/arm64 busybox AS build-arm64\nFROM --platform=$BUILDPLATFORM busybox\n').found).toEqual([
      'RedundantTargetPlatform: Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior (line 1)',
      'FromPlatformFlagConstDisallowed: FROM --platform flag should not use constant value "linux/amd64" (line 2)',
    ]);
  });

  it('checks that FROM uses only declared global ARGs, suggesting a near name', () => {
    const text = 'ARG BASE_IMAGE=busybox\nARG TAG\nFROM ${BASE_IMGAE}:$TAG\nFROM --platform=$BULIDPLATFORM $BASE_IMAGE\nFROM --platform=$BUILDPLATFORM ${BASE_IMAGE}\nARG DECLARED_TOO_LATE\nFROM $DECLARED_TOO_LATE\n';
    expect(check(text).found).toEqual([
      "UndefinedArgInFrom: FROM argument 'BASE_IMGAE' is not declared (did you mean BASE_IMAGE?) (line 3)",
      // Undeclared, it is empty: the image name is invalid with the defaults too.
      'InvalidDefaultArgInFrom: Default value for ARG ${BASE_IMGAE}:$TAG results in empty or invalid base image name (line 3)',
      "UndefinedArgInFrom: FROM argument 'BULIDPLATFORM' is not declared (did you mean BUILDPLATFORM?) (line 4)",
      "UndefinedArgInFrom: FROM argument 'DECLARED_TOO_LATE' is not declared (line 7)",
      'InvalidDefaultArgInFrom: Default value for ARG $DECLARED_TOO_LATE results in empty or invalid base image name (line 7)',
    ]);
  });

  it('checks that the global ARG defaults alone give FROM an image name', () => {
    const text = 'ARG TAG\nARG IMAGE=busybox\nARG FULL=${IMAGE}:1\nFROM busybox:${TAG}\nFROM ${IMAGE}\nFROM $FULL AS base\nFROM ${NOPE:-base}\n';
    expect(check(text).found).toEqual([
      'InvalidDefaultArgInFrom: Default value for ARG busybox:${TAG} results in empty or invalid base image name (line 4)',
      "UndefinedArgInFrom: FROM argument 'NOPE' is not declared (line 7)",
    ]);
  });

  it('knows every automatic arg in FROM, with its value: a stage picked by $TARGETOS is a valid name', () => {
    const text = 'FROM busybox AS build-linux\nFROM build-${TARGETOS}\nFROM busybox${TARGETOSVERSION}${BUILDOSVERSION}\nFROM busybox:$TARGETSTAGE\n';
    expect(check(text).found).toEqual([]);
  });

  it('reports an empty line inside a continued instruction', () => {
    expect(check('FROM busybox\nRUN echo a \\\n\n  && echo b\n').found).toEqual(['NoEmptyContinuation: Empty continuation line (line 4)']);
    // BuildKit's testNoEmptyContinuation: on the instruction's last line.
    const text = '\nFROM scratch\n# warning: empty continuation line\nCOPY Dockerfile \\\n\n.\nCOPY Dockerfile \\\n.\n';
    expect(check(text).found).toEqual(['NoEmptyContinuation: Empty continuation line (line 6)']);
  });

  it('takes the keyword casing of the majority, and reports mixed case always', () => {
    expect(check('from busybox\nrun true\nCopy a /a\nCMD ["x"]\n').found).toEqual([
      "ConsistentInstructionCasing: Command 'Copy' should match the case of the command majority (lowercase) (line 3)",
      "ConsistentInstructionCasing: Command 'CMD' should match the case of the command majority (lowercase) (line 4)",
    ]);
  });

  it('checks shell-form CMD/ENTRYPOINT, repeats, MAINTAINER and legacy key/value forms', () => {
    expect(check('FROM busybox\nMAINTAINER me\nENV A 1\nLABEL b c\nENTRYPOINT run.sh\nCMD a\nCMD ["b"]\nHEALTHCHECK NONE\n').found).toEqual([
      'MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line 2)',
      'LegacyKeyValueFormat: "ENV key=value" should be used instead of legacy "ENV key value" format (line 3)',
      'LegacyKeyValueFormat: "LABEL key=value" should be used instead of legacy "LABEL key value" format (line 4)',
      'JSONArgsRecommended: JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals (line 5)',
      'JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (line 6)',
      'MultipleInstructionsDisallowed: Multiple CMD instructions should not be used in the same stage because only the last one will be used (line 6)',
    ]);
  });

  it('checks relative WORKDIRs before an absolute one, following FROM <stage>', () => {
    expect(check('FROM busybox AS a\nWORKDIR app\nWORKDIR /srv\nWORKDIR data\nFROM a\nWORKDIR more\nFROM busybox\nWORKDIR rel\n').found).toEqual([
      'WorkdirRelativePath: Relative workdir "app" can have unexpected results if the base image changes (line 2)',
      'WorkdirRelativePath: Relative workdir "rel" can have unexpected results if the base image changes (line 8)',
    ]);
  });

  it('warns only at the first WORKDIR of a stage line when it is relative: any WORKDIR counts as set, as in BuildKit', () => {
    expect(check('FROM busybox AS a\nWORKDIR app\nWORKDIR data\nFROM a\nWORKDIR more\n').found).toEqual([
      'WorkdirRelativePath: Relative workdir "app" can have unexpected results if the base image changes (line 2)',
    ]);
  });

  it('does not recommend JSON form for CMD/ENTRYPOINT once a SHELL is set, in the stage or one it is built on', () => {
    expect(check('FROM scratch\nSHELL ["/usr/bin/customshell"]\nCMD mycommand\n').found).toEqual([]);
    expect(check('FROM scratch\nSHELL ["/usr/bin/customshell"]\nENTRYPOINT mycommand\n').found).toEqual([]);
    expect(check('FROM scratch AS base\nSHELL ["/usr/bin/customshell"]\n\nFROM base\nCMD mycommand\n').found).toEqual([]);
    expect(check('FROM scratch\nCMD mycommand\nSHELL ["/usr/bin/customshell"]\n').found).toEqual([
      'JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (line 2)',
    ]);
  });

  it('takes no name with a public, file or version word for a secret', () => {
    expect(check('FROM busybox\nARG PUBLIC_KEY GITHUB_TOKEN_FILE\nENV AUTH_VERSION=2 api_key_file=/run/k\n').found).toEqual([]);
  });

  it('checks secret-looking ARG and ENV names and EXPOSE forms', () => {
    expect(check('FROM busybox\nARG AWS_SECRET_ACCESS_KEY\nARG PUBLIC_KEY TOKENIZER\nENV DB_PASSWORD=x KEYBOARD=y\nEXPOSE 80/TCP 127.0.0.1:8080:80\n').found).toEqual([
      'SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ARG "AWS_SECRET_ACCESS_KEY") (line 2)',
      'SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ENV "DB_PASSWORD") (line 4)',
      "ExposeProtoCasing: Defined protocol '80/TCP' in EXPOSE instruction should be lowercase (line 5)",
      "ExposeInvalidFormat: EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:8080:80' (line 5)",
    ]);
  });

  it('in a build, reports the rules BuildKit applies while dispatching only in the stages built; parsing rules everywhere', () => {
    const text = 'FROM scratch AS unused\nENV legacy value\nCMD run\nCMD again\nWORKDIR rel\nEXPOSE 80/TCP\nARG API_TOKEN\nmaintainer me\n\nFROM scratch\nENV k v\n';
    expect(buildWarnings(text, { baseImages: new Map() }).map((w) => `${w.rule} (line ${w.range.start.line})`)).toEqual([
      'ConsistentInstructionCasing (line 8)',
      'MaintainerDeprecated (line 8)',
      'LegacyKeyValueFormat (line 11)',
    ]);
  });

  it("in a build, applies the dispatch-time rules to the base image's ONBUILD triggers, at the FROM; a base SHELL counts", () => {
    const text = '# check=skip=UndefinedVar\nFROM parent\nCMD ["b"]\nFROM shelled\nCMD run\n';
    const baseImages = new Map([
      ['parent', { OnBuild: ['ENV legacy value', 'ENV DB_PASSWORD=x', 'MAINTAINER me', 'WORKDIR rel', 'CMD run', 'EXPOSE 80/TCP', 'copy . /src'] }],
      ['shelled', { Shell: ['/bin/bash', '-c'] }],
    ]);
    expect(buildWarnings(text, { baseImages, allStages: true }).map((w) => `${w.rule}: ${w.message} (line ${w.range.start.line})`)).toEqual([
      'LegacyKeyValueFormat: "ENV key=value" should be used instead of legacy "ENV key value" format (line 2)',
      'SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ENV "DB_PASSWORD") (line 2)',
      'WorkdirRelativePath: Relative workdir "rel" can have unexpected results if the base image changes (line 2)',
      'JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (line 2)',
      "ExposeProtoCasing: Defined protocol '80/TCP' in EXPOSE instruction should be lowercase (line 2)",
      // The trigger's CMD is overridden by the stage's: reported at the trigger, i.e. the FROM.
      'MultipleInstructionsDisallowed: Multiple CMD instructions should not be used in the same stage because only the last one will be used (line 2)',
    ]);
  });

  it('in a build, warns of a COPY/ADD from the context that .dockerignore excludes (BuildKit\'s testCopyIgnoredFiles)', () => {
    const ignored = (text: string, dockerignore: string): string[] =>
      buildWarnings(text, { baseImages: new Map() }, dockerignore).map((w) => `${w.message} (line ${w.range.start.line})`);
    expect(ignored('FROM scratch\nCOPY Dockerfile .\nADD ./Dockerfile /windy\nCOPY /Dockerfile <<EOF /x/\nEOF\n', 'Dockerfile\n')).toEqual([
      'Attempting to Copy file "Dockerfile" that is excluded by .dockerignore (line 2)',
      'Attempting to Add file "Dockerfile" that is excluded by .dockerignore (line 3)',
    ]);
    expect(ignored('# check=skip=CopyIgnoredFile\nFROM scratch\nCOPY Dockerfile .\n', 'Dockerfile\n')).toEqual([]);
    // Another stage's files are not the context's; a stage the target does not need is not dispatched.
    expect(ignored('FROM scratch AS base\nCOPY Dockerfile /foobar\nFROM base\nCOPY --from=base /foobar /Dockerfile\n', 'foobar\n')).toEqual([]);
    expect(ignored('FROM scratch AS unused\nCOPY foobar /\nFROM scratch\n', 'foobar\n')).toEqual([]);
    // With a `!` exception nothing is judged; `.` only when every root entry is excluded.
    expect(ignored('FROM scratch\nCOPY ./Dockerfile .\nCOPY . .\n', '**\n!Dockerfile\n')).toEqual([]);
    expect(ignored('FROM scratch\nCOPY . .\n', '.*\n')).toEqual([]);
    expect(ignored('FROM scratch\nCOPY . .\n', '*\n')).toEqual(['Attempting to Copy file "." that is excluded by .dockerignore (line 2)']);
  });

  it('skips a rule for one instruction under a `# check=skip=…` comment right above it (a reason may follow)', () => {
    const text = [
      'FROM scratch',
      '# check=skip=SecretsUsedInArgOrEnv // allow secret in environment',
      'ENV password=bar',
      '# check=skip=all // is local to only this instruction',
      'ARG alternate_password',
      'ARG api_token',
      '# check=skip=JSONArgsRecommended,LegacyKeyValueFormat',
      'CMD mycommand',
      '# check=skip=MaintainerDeprecated',
      'MAINTAINER me',
      '# check=skip=WorkdirRelativePath',
      'WORKDIR app/',
      '# a description first',
      '# check=skip=LegacyKeyValueFormat',
      'LABEL key value',
      '',
    ].join('\n');
    expect(check(text).found).toEqual(['SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ARG "api_token") (line 6)']);
    expect(check('# check=skip=RedundantTargetPlatform\nFROM --platform=$TARGETPLATFORM scratch\n').found).toEqual([]);
  });

  it('leaves to the file-wide config the rules BuildKit judges over the whole file, and lets the later of two CMDs decide', () => {
    expect(check('FROM scratch\n# check=skip=ConsistentInstructionCasing\ncmd ["a"]\n').found).toEqual([
      "ConsistentInstructionCasing: Command 'cmd' should match the case of the command majority (uppercase) (line 3)",
    ]);
    expect(check('FROM scratch\nCMD ["a"]\n# check=skip=MultipleInstructionsDisallowed\nCMD ["b"]\n').found).toEqual([]);
    expect(check('FROM scratch\n# check=skip=MultipleInstructionsDisallowed\nCMD ["a"]\nCMD ["b"]\n').found).toEqual([
      'MultipleInstructionsDisallowed: Multiple CMD instructions should not be used in the same stage because only the last one will be used (line 3)',
    ]);
  });

  it('runs the experimental InvalidDefinitionDescription only when enabled (skip does not touch it), per file or instruction', () => {
    // BuildKit's testDefinitionDescription.
    const good = [
      '# check=skip=all;experimental=InvalidDefinitionDescription',
      '# foo this is the foo',
      'ARG foo=bar',
      '',
      '# base this is the base image',
      'FROM scratch AS base',
      '',
      '# version this is the version number',
      'ARG version=latest',
      '',
      '# baz this is the baz',
      'ARG foo=baz bar=qux baz=quux',
      '#',
      'ARG bit=bat',
      '',
      '# comment for something other than ARG or FROM',
      'COPY Dockerfile .',
      '',
    ].join('\n');
    expect(check(good).found).toEqual([]);
    const bad = [
      '# check=experimental=InvalidDefinitionDescription',
      '# bar this is the bar',
      'ARG foo=bar',
      '# BasE this is the BasE image',
      'FROM scratch AS base',
      '# definitely a bad comment',
      'ARG version=latest',
      '# definitely a bad comment',
      'ARG foo=baz bar=qux baz=quux',
      '',
    ].join('\n');
    expect(check(bad).found).toEqual([
      'InvalidDefinitionDescription: Comment for ARG should follow the format: `# foo <description>` (line 3)',
      'InvalidDefinitionDescription: Comment for FROM should follow the format: `# base <description>` (line 5)',
      'InvalidDefinitionDescription: Comment for ARG should follow the format: `# version <description>` (line 7)',
      'InvalidDefinitionDescription: Comment for ARG should follow the format: `# <arg_key> <description>` (line 9)',
    ]);
    expect(check(bad.replace('# check=experimental=InvalidDefinitionDescription', '# not a directive')).found).toEqual([]);
    expect(check('FROM scratch\n# check=experimental=all\nARG X\n').found).toEqual([
      'InvalidDefinitionDescription: Comment for ARG should follow the format: `# X <description>` (line 3)',
    ]);
  });

  it('fails on a check option BuildKit does not know, from the directive or the build arg', () => {
    expect(() => check('# check=skip=all;foo=bar\nFROM scratch\n')).toThrow('failed to parse check options: invalid check option "foo"');
    expect(() => check('# check=error=maybe\nFROM scratch\n')).toThrow(
      'failed to parse check options: failed to parse check option "error=maybe": strconv.ParseBool: parsing "maybe": invalid syntax',
    );
    expect(() => check('FROM scratch\n', { BUILDKIT_DOCKERFILE_CHECK: 'skip' })).toThrow('failed to parse build-arg:BUILDKIT_DOCKERFILE_CHECK: invalid check option "skip"');
    // Above one instruction a bad value is ignored.
    expect(check('FROM scratch\n# check=bogus\nCMD run\n').found).toHaveLength(1);
  });

  it('follows # check=skip=…;error=true, and the BUILDKIT_DOCKERFILE_CHECK build arg over it', () => {
    const text = '# check=skip=JSONArgsRecommended;error=true\nFROM busybox\nMAINTAINER me\nCMD a\n';
    expect(check(text)).toEqual({ found: ['MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line 3)'], failOnWarnings: true });
    expect(check(text, { BUILDKIT_DOCKERFILE_CHECK: 'skip=all' })).toEqual({ found: [], failOnWarnings: false });
    expect(check(text, { BUILDKIT_DOCKERFILE_CHECK: 'skip=MaintainerDeprecated,JSONArgsRecommended;error=true' })).toEqual({ found: [], failOnWarnings: true });
    // The directive line is not a comment of the first instruction: overridden, it skips nothing there either.
    expect(check('# check=skip=FromAsCasing\nFROM scratch as base\n', { BUILDKIT_DOCKERFILE_CHECK: 'error=false' }).found).toEqual([
      "FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 2)",
    ]);
  });
});
