// parseDockerfile on valid input: typed instructions, ranges, line handling (CRLF, BOM, escape), mounts and flags.
import { describe, expect, it } from 'vitest';
import { instructionFlags, parseDockerfile, parseMount, type Instruction } from '../../grammar/index.js';

function parseOk(text: string): Instruction[] {
  const { ast, diagnostics } = parseDockerfile(text);
  expect(diagnostics).toEqual([]);
  return ast.instructions;
}

describe('parseDockerfile', () => {
  it('types every instruction of a realistic file', () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      'ARG BASE=alpine:3.20',
      'FROM --platform=$BUILDPLATFORM ${BASE} AS build',
      'ENV A=1 B="two words"',
      'ENV LEGACY value with spaces',
      'LABEL org.opencontainers.image.title="x"',
      'RUN --mount=type=cache,target=/root/.cache,sharing=locked --network=none make',
      'COPY --from=build --chown=1:1 --link /out /app/',
      'ADD --checksum=sha256:abc https://example.com/x.tgz /x/',
      'EXPOSE 80/tcp 443',
      'VOLUME ["/data"]',
      'USER app',
      'WORKDIR /app',
      'STOPSIGNAL SIGTERM',
      'HEALTHCHECK --interval=30s CMD ["wget", "-q", "localhost"]',
      'SHELL ["/bin/sh", "-c"]',
      'ONBUILD COPY . /src',
      'ENTRYPOINT ["/app/run"]',
      'CMD []',
      'MAINTAINER someone',
    ].join('\n');
    const instructions = parseOk(text);
    expect(instructions.map((i) => i.keyword)).toEqual([
      'ARG', 'FROM', 'ENV', 'ENV', 'LABEL', 'RUN', 'COPY', 'ADD', 'EXPOSE', 'VOLUME', 'USER', 'WORKDIR',
      'STOPSIGNAL', 'HEALTHCHECK', 'SHELL', 'ONBUILD', 'ENTRYPOINT', 'CMD', 'MAINTAINER',
    ]);
    const [arg, from, env, legacy] = instructions;
    expect(arg?.keyword === 'ARG' && arg.args.map((a) => [a.name.value, a.defaultValue?.value])).toEqual([['BASE', 'alpine:3.20']]);
    expect(from?.keyword === 'FROM' && [from.image.value, from.stageName?.value, from.flags[0]?.value]).toEqual([
      '${BASE}',
      'build',
      '$BUILDPLATFORM',
    ]);
    expect(env?.keyword === 'ENV' && env.pairs.map((p) => [p.key.value, p.value.value, p.legacy])).toEqual([
      ['A', '1', false],
      ['B', '"two words"', false],
    ]);
    expect(legacy?.keyword === 'ENV' && legacy.pairs.map((p) => [p.key.value, p.value.value, p.legacy])).toEqual([
      ['LEGACY', 'value with spaces', true],
    ]);
    const onbuild = instructions[15];
    expect(onbuild?.keyword === 'ONBUILD' && [onbuild.trigger.keyword, onbuild.triggerText]).toEqual(['COPY', 'COPY . /src']);
    const cmd = instructions[17];
    expect(cmd?.keyword === 'CMD' && cmd.command).toMatchObject({ kind: 'exec', args: [] });
  });

  it('keeps ranges exact across CRLF line ends and a byte-order mark', () => {
    const [from, run] = parseOk('\ufeffFROM busybox\r\nRUN echo a \\\r\n    b\r\n');
    expect(from?.range.start).toEqual({ line: 1, column: 2, offset: 1 });
    expect(run?.keywordRange.start).toEqual({ line: 2, column: 1, offset: 15 });
    expect(run?.keyword === 'RUN' && run.command.kind === 'shell' && run.command.command.value).toBe('echo a     b');
    expect(run?.range.end).toMatchObject({ line: 3, column: 6 });
  });

  it('ARG names and defaults have their own ranges', () => {
    const [arg] = parseOk('ARG  A=1 B\nFROM x\n');
    expect(arg?.keyword === 'ARG' && arg.args.map((a) => [a.name.range.start.column, a.name.range.end.column, a.defaultValue?.range.start.column])).toEqual([
      [6, 7, 8],
      [10, 11, undefined],
    ]);
  });

  it('takes any non-empty ARG name, as BuildKit does', () => {
    const [, arg] = parseOk('FROM busybox\nARG my-flag=1 2nd\n');
    expect(arg?.keyword === 'ARG' && arg.args.map((a) => [a.name.value, a.defaultValue?.value])).toEqual([
      ['my-flag', '1'],
      ['2nd', undefined],
    ]);
  });

  it('uses the backtick as escape character after `# escape=`', () => {
    const [, run] = parseOk('# escape=`\nFROM windows\nRUN dir C:\\ `\n  /s\n');
    expect(run?.keyword === 'RUN' && run.command.kind === 'shell' && run.command.command.value).toBe('dir C:\\   /s');
  });

  it('reads heredocs of ONBUILD triggers and keeps doc comments', () => {
    const [, onbuild] = parseOk('FROM busybox\n# runs later\nONBUILD RUN <<EOF\necho hi\nEOF\n');
    expect(onbuild?.comments).toEqual(['runs later']);
    expect(onbuild?.keyword === 'ONBUILD' && onbuild.trigger.keyword === 'RUN' && onbuild.trigger.heredocs.map((h) => h.content)).toEqual([
      'echo hi\n',
    ]);
    // Stored in the image with its body, as BuildKit stores it, so the child build can parse it again.
    expect(onbuild?.keyword === 'ONBUILD' && onbuild.triggerText).toBe('RUN <<EOF\necho hi\nEOF');
  });

  it('leaves the parser directives out of the first instruction\'s comments, as BuildKit strips them', () => {
    const [from] = parseOk('#!/usr/bin/env tsbuild\n# syntax=docker/dockerfile:1\n# check=skip=all\n# base defines the first stage\nFROM busybox AS base\n');
    expect(from?.comments).toEqual(['!/usr/bin/env tsbuild', 'base defines the first stage']);
    // After the directive block, `# check=…` is an ordinary comment again (a per-instruction skip).
    const [first, second] = parseOk('# escape=\\\n\n# check=skip=all\nFROM busybox\n# check=skip=all\nRUN true\n');
    expect([first?.comments, second?.comments]).toEqual([['check=skip=all'], ['check=skip=all']]);
  });

  it('gives heredoc marker and body ranges', () => {
    const [, copy] = parseOk('FROM busybox\nCOPY <<A <<-B /dst/\none\nA\n\ttwo\n\tB\n');
    expect(copy?.keyword === 'COPY' && copy.heredocs.map((h) => [h.name, h.chomp, h.range.start.column, h.bodyRange.start.line])).toEqual([
      ['A', false, 6, 3],
      ['B', true, 10, 5],
    ]);
  });
});

describe('parseMount', () => {
  it('parses every mount type into a typed spec', () => {
    expect(parseMount('type=cache,target=/c,id=go,sharing=private,mode=0755,uid=1,gid=2,ro')).toEqual({
      ok: true,
      mount: { type: 'cache', target: '/c', id: 'go', sharing: 'private', source: undefined, from: undefined, readonly: true, mode: 0o755, uid: 1, gid: 2 },
    });
    expect(parseMount('target=/src,from=build,source=/out,rw')).toEqual({
      ok: true,
      mount: { type: 'bind', target: '/src', from: 'build', source: '/out', readonly: false },
    });
    expect(parseMount('type=tmpfs,dst=/tmp,size=64m')).toEqual({ ok: true, mount: { type: 'tmpfs', target: '/tmp', size: 64 * 1024 * 1024 } });
    expect(parseMount('type=secret,target=/run/secrets/token,required')).toMatchObject({
      ok: true,
      mount: { type: 'secret', id: 'token', required: true, env: undefined },
    });
    expect(parseMount('type=secret,id=aws,env=AWS_KEY')).toMatchObject({ ok: true, mount: { id: 'aws', env: 'AWS_KEY', target: undefined } });
    expect(parseMount('type=ssh')).toMatchObject({ ok: true, mount: { type: 'ssh', id: 'default', required: false } });
  });

  it('expands each value after the split, so an expansion holding a comma stays one value', () => {
    const values: Record<string, string> = { $T: '/a,ro', $K: 'cache' };
    expect(parseMount('type=$K,target=$T,rw', (value) => values[value] ?? value)).toMatchObject({ ok: true, mount: { type: 'cache', target: '/a,ro', readonly: false } });
  });

  it('rejects bad values with a message', () => {
    expect(parseMount('type=cache,target=/c,sharing=everyone')).toEqual({ ok: false, message: 'unsupported sharing value "everyone"' });
    expect(parseMount('type=tmpfs,target=/t,size=lots')).toEqual({ ok: false, message: 'invalid value for size: lots' });
    expect(parseMount('type=secret')).toEqual({ ok: false, message: 'secret mount requires an id or a target' });
    expect(parseMount('type=bind,target=/x,readonly=maybe')).toEqual({ ok: false, message: 'invalid value for readonly: maybe' });
  });
});

describe('flag table', () => {
  it('declares the flags of every instruction once', () => {
    for (const specs of Object.values(instructionFlags)) {
      const names = specs.map((s) => s.name);
      expect(new Set(names).size).toBe(names.length);
    }
    expect(instructionFlags.COPY.map((s) => s.name)).toEqual(['from', 'chown', 'chmod', 'link', 'parents', 'exclude']);
  });

  it('accepts repeatable flags and bare booleans', () => {
    parseOk('FROM busybox\nCOPY --exclude=*.md --exclude=*.txt --parents --link=false a b /dst/\nRUN --mount=type=tmpfs,target=/t --mount=type=ssh true\n');
  });
});

describe('robustness', () => {
  it('never throws, whatever the input', () => {
    // Deterministic pseudo-random Dockerfile-ish text built from the characters the parser treats specially.
    const pieces = ['RUN', 'COPY', 'ONBUILD', 'HEALTHCHECK', 'ENV', 'FROM', ' ', '\t', '\n', '\\', '`', '"', "'", '[', ']', ',', '=', '--', '<<', '-', 'EOF', '#', 'x', '\r', '\ufeff', '{}', '3'];
    let seed = 42;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let n = 0; n < 2000; n++) {
      const length = next() % 40;
      let text = '';
      for (let i = 0; i < length; i++) text += pieces[next() % pieces.length];
      expect(() => parseDockerfile(text), JSON.stringify(text)).not.toThrow();
    }
  });
});
