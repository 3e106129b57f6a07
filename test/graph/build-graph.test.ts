// Dispatch semantics of buildGraph: ARG/ENV scoping, WORKDIR, SHELL, config instructions, history text,
// copy/run payloads, edges and --target pruning. ASTs are built by hand until tests parse real files.
import { describe, expect, it } from 'vitest';
import type { Dockerfile } from '../../grammar/index.js';
import { buildGraph, planStages } from '../../src/graph/index.js';
import type { BaseImageConfig, InstructionGraph, Step, StepNode } from '../../src/graph/index.js';
import {
  ADD, ARG, CMD, COPY, dockerfile, ENTRYPOINT, ENV, EXPOSE, FROM, HEALTHCHECK, LABEL, MAINTAINER, ONBUILD, RUN, SHELL,
  STOPSIGNAL, USER, VOLUME, WORKDIR,
} from './ast-builder.js';

const busyboxConfig: BaseImageConfig = { Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] };

function graph(ast: Dockerfile, options: { target?: string; buildArgs?: Record<string, string>; images?: Record<string, BaseImageConfig> } = {}): InstructionGraph {
  const images = new Map(Object.entries(options.images ?? { busybox: busyboxConfig }));
  return buildGraph(ast, { target: options.target, buildArgs: options.buildArgs, baseImages: images });
}

function steps(g: InstructionGraph, stage = g.target): StepNode[] {
  const s = g.stages.find((st) => st.index === stage);
  return (s?.steps ?? []).map((id) => g.nodes.get(id) as StepNode);
}

function stepsOf<K extends Step['kind']>(g: InstructionGraph, kind: K, stage = g.target): Extract<Step, { kind: K }>[] {
  return steps(g, stage)
    .map((n) => n.step)
    .filter((s): s is Extract<Step, { kind: K }> => s.kind === kind);
}

function finalConfig(g: InstructionGraph) {
  return g.stages.find((s) => s.index === g.target)?.config;
}

function createdBy(g: InstructionGraph): string[] {
  return (g.stages.find((s) => s.index === g.target)?.history ?? []).map((h) => h.created_by as string);
}

describe('ARG and ENV', () => {
  it('global ARGs feed FROM; a bare in-stage ARG re-imports the global value; --build-arg wins over defaults', () => {
    const ast = dockerfile(ARG(['tag', 'nosuchtag'], ['a2', 'box']), FROM('busy$a2:${tag}'), ARG(['tag']), ARG(['a3', '$a2-x']), RUN('echo'));
    expect(planStages(ast, { buildArgs: { tag: 'latest' } }).imageRefs).toEqual(['busybox:latest']);
    const g = graph(ast, { buildArgs: { tag: 'latest' }, images: { 'busybox:latest': busyboxConfig } });
    const [run] = stepsOf(g, 'run');
    // a2 was not re-declared in the stage: `$a2` is empty there.
    expect(run?.env).toEqual(['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'tag=latest', 'a3=-x']);
  });

  it('automatic platform args resolve FROM without a declaration', () => {
    const ast = dockerfile(FROM('busybox', { as: 'build-linux' }), FROM('build-${TARGETOS}'), ARG(['TARGETPLATFORM']), RUN('true'));
    const plan = planStages(ast);
    expect(plan.stages[1]?.base).toEqual({ kind: 'stage', stage: 0 });
    expect(stepsOf(graph(ast), 'run')[0]?.env).toContain('TARGETPLATFORM=linux/amd64');
  });

  it('TARGETSTAGE is the target name, or default for an unnamed last stage', () => {
    const ast = dockerfile(FROM('busybox', { as: 'foo' }), ARG(['TARGETSTAGE']), RUN('true'), FROM('busybox'), ARG(['TARGETSTAGE']), RUN('true'));
    expect(stepsOf(graph(ast), 'run')[0]?.env).toContain('TARGETSTAGE=default');
    expect(stepsOf(graph(ast, { target: 'FOO' }), 'run')[0]?.env).toContain('TARGETSTAGE=foo');
  });

  it('ARG values reach RUN env and history, not the image Env; ENV wins over an ARG of the same name', () => {
    const ast = dockerfile(FROM('busybox'), ARG(['foo', 'bar']), ARG(['bar', '123']), ARG(['foo', 'bar2']), ARG(['unset']), ENV(['bar', 'env']), RUN('make'));
    const g = graph(ast);
    const [run] = stepsOf(g, 'run');
    expect(run?.args).toEqual(['/bin/sh', '-c', 'make']);
    expect(run?.env).toEqual(['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'bar=env', 'foo=bar2']);
    expect(run?.argNames).toEqual(['foo']);
    expect(finalConfig(g)?.Env).toEqual(['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'bar=env']);
    expect(createdBy(g)).toEqual(['ARG foo=bar', 'ARG bar=123', 'ARG foo=bar2', 'ARG unset', 'ENV bar=env', 'RUN |3 foo=bar2 bar=env unset= /bin/sh -c make # buildkit']);
  });

  it('a stage FROM another stage keeps its ARGs: values in RUN env, history and expansion, declarations in `|N`', () => {
    const ast = dockerfile(FROM('busybox', { as: 'base' }), ARG(['foo', 'Dockerfile']), ARG(['bare']), FROM('base'), WORKDIR('/$foo'), RUN('make'));
    const g = graph(ast);
    const [run] = stepsOf(g, 'run');
    expect(run?.env).toEqual(['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'foo=Dockerfile']);
    expect(run?.workdir).toBe('/Dockerfile');
    expect(createdBy(g)).toEqual(['WORKDIR /Dockerfile', 'RUN |2 foo=Dockerfile bare= /bin/sh -c make # buildkit']);
    // ARG values stay out of the image Env.
    expect(finalConfig(g)?.Env).toEqual(['PATH=/usr/sbin:/usr/bin:/sbin:/bin']);
  });

  it('a bare ARG re-declaring a name keeps the value it had', () => {
    const ast = dockerfile(FROM('busybox'), ARG(['foo', 'x']), ARG(['foo']), RUN('make'));
    const g = graph(ast);
    expect(stepsOf(g, 'run')[0]?.env).toEqual(['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'foo=x']);
    expect(createdBy(g)).toEqual(['ARG foo=x', 'ARG foo', 'RUN |1 foo=x /bin/sh -c make # buildkit']);
  });

  it('proxy args reach RUN undeclared, outside env; a declared one is an ordinary ARG in history', () => {
    const ast = dockerfile(FROM('busybox'), ARG(['HTTP_PROXY']), RUN('wget x'));
    const g = graph(ast, { buildArgs: { http_proxy: 'hp', HTTP_PROXY: 'HP', NO_PROXY: 'np' } });
    const [run] = stepsOf(g, 'run');
    expect(run?.proxy).toEqual({ HTTPProxy: 'hp', NoProxy: 'np' });
    expect(createdBy(g)).toEqual(['ARG HTTP_PROXY=HP', 'RUN |1 HTTP_PROXY=HP /bin/sh -c wget x # buildkit']);
  });

  it('ENV pairs of one line expand with the env from before the line; values and labels expand', () => {
    const ast = dockerfile(FROM('busybox'), ENV(['a', '1']), ENV(['a', '2'], ['b', '${a}']), LABEL(['v', 'a=$a']));
    const g = graph(ast);
    expect(finalConfig(g)?.Env).toEqual(['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'a=2', 'b=1']);
    expect(finalConfig(g)?.Labels).toEqual({ v: 'a=2' });
    expect(createdBy(g)).toEqual(['ENV a=1', 'ENV a=2 b=1', 'LABEL v=a=2']);
  });

  it('SOURCE_DATE_EPOCH from a build arg or a global ARG default', () => {
    expect(graph(dockerfile(ARG(['SOURCE_DATE_EPOCH', '1700000501']), FROM('busybox'))).sourceDateEpoch).toBe(1700000501);
    expect(graph(dockerfile(FROM('busybox')), { buildArgs: { SOURCE_DATE_EPOCH: '5' } }).sourceDateEpoch).toBe(5);
    expect(() => graph(dockerfile(ARG(['SOURCE_DATE_EPOCH', 'not-a-timestamp']), FROM('busybox')))).toThrow('invalid SOURCE_DATE_EPOCH: not-a-timestamp');
  });
});

describe('WORKDIR, USER, SHELL', () => {
  it('WORKDIR joins the previous one, expands and cleans; `/` makes no op', () => {
    const ast = dockerfile(FROM('busybox'), ENV(['D', 'sub']), WORKDIR('/test1'), WORKDIR('$D//x/..'), WORKDIR('/'), USER('app'), WORKDIR('app'));
    const g = graph(ast);
    expect(stepsOf(g, 'mkdir')).toEqual([
      { kind: 'mkdir', path: '/test1', user: '' },
      { kind: 'mkdir', path: '/test1/sub', user: '' },
      { kind: 'mkdir', path: '/app', user: 'app' },
    ]);
    const history = g.stages[0]?.history ?? [];
    expect(history.filter((h) => h.created_by?.startsWith('WORKDIR')).map((h) => [h.created_by, h.empty_layer ?? false])).toEqual([
      ['WORKDIR /test1', false],
      ['WORKDIR /test1/sub', false],
      ['WORKDIR /', true],
      ['WORKDIR /app', false],
    ]);
    expect(finalConfig(g)?.WorkingDir).toBe('/app');
    expect(finalConfig(g)?.User).toBe('app');
  });

  it('SHELL changes how shell-form RUN, CMD and ENTRYPOINT are run', () => {
    const ast = dockerfile(FROM('busybox'), SHELL('/bin/bash', '-ec'), RUN('make'), ENTRYPOINT('my entrypoint'));
    const g = graph(ast);
    expect(stepsOf(g, 'run')[0]?.args).toEqual(['/bin/bash', '-ec', 'make']);
    expect(finalConfig(g)?.Entrypoint).toEqual(['/bin/bash', '-ec', 'my entrypoint']);
    expect(createdBy(g)).toEqual(['SHELL [/bin/bash -ec]', 'RUN /bin/bash -ec make # buildkit', 'ENTRYPOINT ["/bin/bash" "-ec" "my entrypoint"]']);
  });

  it('RUN flags: mounts (relative targets from WORKDIR), network, security', () => {
    const ast = dockerfile(
      FROM('busybox', { as: 'build' }),
      FROM('busybox'),
      WORKDIR('/src'),
      ARG(['CACHE', 'gocache']),
      RUN('go build', { flags: [['mount', 'type=cache,target=$CACHE,id=go'], ['mount', 'from=build,source=/out,target=/out,rw'], ['network', 'none'], ['security', 'insecure']] }),
    );
    const g = graph(ast);
    const [run] = stepsOf(g, 'run');
    expect(run?.mounts).toEqual([
      { type: 'cache', target: '/src/gocache', id: 'go', sharing: 'shared', source: undefined, from: undefined, readonly: false, mode: undefined, uid: undefined, gid: undefined },
      { type: 'bind', target: '/out', source: '/out', from: { kind: 'stage', stage: 0 }, readonly: false },
    ]);
    expect(run?.network).toBe('none');
    expect(run?.security).toBe('insecure');
    expect(g.edges).toContainEqual({ from: 's0.0', to: 's1.3', kind: 'mount-from' });
  });

  it('COPY --exclude patterns and RUN --network/--security values are taken as written, as BuildKit does', () => {
    const ast = dockerfile(FROM('busybox'), ARG(['X', 'x']), COPY(['.'], '/app/', { flags: [['exclude', '$X']] }), RUN('true', { flags: [['network', '$X']] }));
    expect(() => graph(ast)).toThrow('unsupported network mode "$X"');
    const copyOnly = dockerfile(FROM('busybox'), ARG(['X', 'x']), COPY(['.'], '/app/', { flags: [['exclude', '$X']] }));
    expect(stepsOf(graph(copyOnly), 'copy')[0]?.exclude).toEqual(['$X']);
  });

  it('RUN --mount options expand one by one: a value holding a comma stays one option', () => {
    const ast = dockerfile(FROM('busybox'), ARG(['DIR', '/a,ro']), RUN('ls', { flags: [['mount', 'type=cache,target=$DIR']] }));
    expect(stepsOf(graph(ast), 'run')[0]?.mounts[0]).toMatchObject({ type: 'cache', target: '/a,ro', readonly: false });
  });

  it('RUN --mount settings of each type are kept typed', () => {
    const ast = dockerfile(
      FROM('busybox'),
      RUN('ls', {
        flags: [
          ['mount', 'type=cache,target=/c,sharing=locked,mode=0751,uid=1001,gid=1002,ro'],
          ['mount', 'type=tmpfs,target=/t,size=1m'],
          ['mount', 'type=secret,id=pw,env=PW,required'],
          ['mount', 'type=ssh'],
        ],
      }),
    );
    expect(stepsOf(graph(ast), 'run')[0]?.mounts).toEqual([
      { type: 'cache', target: '/c', id: undefined, sharing: 'locked', source: undefined, from: undefined, readonly: true, mode: 0o751, uid: 1001, gid: 1002 },
      { type: 'tmpfs', target: '/t', size: 1048576 },
      { type: 'secret', id: 'pw', target: undefined, env: 'PW', required: true, mode: undefined, uid: undefined, gid: undefined },
      { type: 'ssh', id: 'default', target: undefined, required: false, mode: undefined, uid: undefined, gid: undefined },
    ]);
  });

  it('RUN heredocs: a lone heredoc is the script; `#!` runs from /dev/pipes through the shell; anything else goes to the shell', () => {
    const lone = graph(dockerfile(FROM('busybox'), RUN('<<EOF', { heredocs: [{ name: 'EOF', content: '\techo hi\n', chomp: true }] })));
    expect(stepsOf(lone, 'run')[0]?.args).toEqual(['/bin/sh', '-c', 'echo hi\n']);
    const script = graph(dockerfile(FROM('busybox'), RUN('<<EOF', { heredocs: [{ name: 'EOF', content: '#!/usr/bin/env python\nprint(1)\n' }] })));
    expect(stepsOf(script, 'run')[0]).toMatchObject({
      args: ['/bin/sh', '-c', '/dev/pipes/EOF'],
      files: [{ path: '/dev/pipes/EOF', content: '#!/usr/bin/env python\nprint(1)\n', mode: 0o755 }],
    });
    const piped = graph(dockerfile(FROM('busybox'), RUN("<<'EOF' | python", { heredocs: [{ name: 'EOF', content: 'print(1)\n', expand: false }] })));
    expect(stepsOf(piped, 'run')[0]?.args).toEqual(['/bin/sh', '-c', "<<'EOF' | python\nprint(1)\nEOF"]);
    expect(createdBy(script)).toEqual(['RUN /bin/sh -c /dev/pipes/EOF # buildkit']);
  });
});

describe('config instructions', () => {
  it('EXPOSE expands and splits args, adds protocols; history lists them sorted', () => {
    const ast = dockerfile(FROM('busybox'), ARG(['PORTS', '3000 4000/udp']), EXPOSE('$PORTS'), EXPOSE('5000', '8000-8001'));
    const g = graph(ast);
    expect(Object.keys(finalConfig(g)?.ExposedPorts ?? {})).toEqual(['3000/tcp', '4000/udp', '5000/tcp', '8000/tcp', '8001/tcp']);
    expect(createdBy(g).slice(1)).toEqual(['EXPOSE [3000/tcp 4000/udp]', 'EXPOSE [5000/tcp 8000/tcp 8001/tcp]']);
  });

  it('EXPOSE orders by the words as written (BuildKit sorts them before expanding), keeps repeats, lower-cases protocols', () => {
    const g = graph(dockerfile(FROM('busybox'), ARG(['P', '9000']), EXPOSE('2375', '5000', '1234/udp', '$P', '80/TCP', '80')));
    expect(createdBy(g).slice(1)).toEqual(['EXPOSE [9000/tcp 1234/udp 2375/tcp 5000/tcp 80/tcp 80/tcp]']);
    expect(Object.keys(finalConfig(g)?.ExposedPorts ?? {})).toEqual(['9000/tcp', '1234/udp', '2375/tcp', '5000/tcp', '80/tcp']);
    expect(() => graph(dockerfile(FROM('busybox'), EXPOSE('80/quic')))).toThrow('invalid port: "80/quic": invalid proto: quic');
  });

  it('ADD --checksum wants exactly one source path, fetched from a URL or git, checked before the destination', () => {
    const add = (sources: string[], dest: string) => graph(dockerfile(FROM('busybox'), ADD(sources, dest, { flags: [['checksum', 'sha256:0']] })));
    expect(() => add(['https://example.com/a', 'https://example.com/b'], '/d')).toThrow("checksum can't be specified for multiple sources");
    expect(() => add(['a'], '/d')).toThrow('checksum requires HTTP(S) or Git sources');
    expect(stepsOf(add(['https://example.com/a'], '/d'), 'copy')[0]?.checksum).toBe('sha256:0');
  });

  it('STOPSIGNAL takes what Docker parses: a non-zero number or a known name, any case, SIG optional', () => {
    for (const signal of ['SIGKILL', 'term', '9', 'SIGRTMIN+3', 'RTMAX-14']) {
      expect(finalConfig(graph(dockerfile(FROM('busybox'), STOPSIGNAL(signal))))?.StopSignal).toBe(signal);
    }
    for (const signal of ['FOO', '0', 'SIGRTMIN+16']) {
      expect(() => graph(dockerfile(FROM('busybox'), STOPSIGNAL(signal)))).toThrow(`invalid signal: ${signal}`);
    }
  });

  it('ENTRYPOINT resets a CMD inherited from the base, not one set in the stage', () => {
    const inherited = graph(dockerfile(FROM('busybox'), ENTRYPOINT(['/app'])));
    expect(finalConfig(inherited)).toMatchObject({ Entrypoint: ['/app'], Cmd: null });
    const own = graph(dockerfile(FROM('busybox'), CMD(['--help']), ENTRYPOINT(['/app'])));
    expect(finalConfig(own)).toMatchObject({ Entrypoint: ['/app'], Cmd: ['--help'] });
    expect(createdBy(own)).toEqual(['CMD ["--help"]', 'ENTRYPOINT ["/app"]']);
  });

  it('HEALTHCHECK: shell form is CMD-SHELL, durations parsed, zero values omitted, NONE disables', () => {
    const g = graph(dockerfile(FROM('busybox'), HEALTHCHECK('curl -f http://localhost/', [['interval', '1m30s'], ['retries', '3']])));
    expect(finalConfig(g)?.Healthcheck).toEqual({ Test: ['CMD-SHELL', 'curl -f http://localhost/'], Interval: 90e9, Retries: 3 });
    expect(createdBy(g)).toEqual(['HEALTHCHECK {Test:[CMD-SHELL curl -f http://localhost/] Interval:1m30s Timeout:0s StartPeriod:0s StartInterval:0s Retries:3}']);
    const none = graph(dockerfile(FROM('busybox'), HEALTHCHECK(['true']), HEALTHCHECK('NONE')));
    expect(finalConfig(none)?.Healthcheck).toEqual({ Test: ['NONE'] });
  });

  it('VOLUME, STOPSIGNAL, ONBUILD, MAINTAINER; every config entry is an empty layer, ONBUILD has none', () => {
    const g = graph(dockerfile(FROM('busybox'), ENV(['D', '/data']), VOLUME('$D', '/logs'), STOPSIGNAL('SIGKILL'), ONBUILD('RUN make', RUN('make')), MAINTAINER('me@example.com')));
    const stage = g.stages[0];
    expect(stage?.config).toMatchObject({ Volumes: { '/data': {}, '/logs': {} }, StopSignal: 'SIGKILL', OnBuild: ['RUN make'] });
    expect(stage?.author).toBe('me@example.com');
    expect(stage?.history.map((h) => [h.created_by, h.empty_layer, h.comment])).toEqual([
      ['ENV D=/data', true, 'buildkit.dockerfile.v0'],
      ['VOLUME [/data /logs]', true, 'buildkit.dockerfile.v0'],
      ['STOPSIGNAL SIGKILL', true, 'buildkit.dockerfile.v0'],
      ['MAINTAINER me@example.com', true, 'buildkit.dockerfile.v0'],
    ]);
  });

  it('FROM scratch starts with WorkingDir / and the default PATH', () => {
    const g = graph(dockerfile(FROM('scratch'), ENV(['foo', 'bar'])));
    expect(finalConfig(g)).toEqual({ WorkingDir: '/', Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'foo=bar'] });
  });
});

describe('COPY and ADD', () => {
  it('destination resolves against WORKDIR keeping "into directory"; flags are expanded', () => {
    const ast = dockerfile(
      FROM('busybox'),
      WORKDIR('/app'),
      ARG(['OWNER', '1000']),
      COPY(['a', 'b'], './'),
      COPY(['c'], 'bin/c'),
      COPY(['d'], '.'),
      ADD(['x.tar'], '/opt/', { flags: [['chown', '$OWNER:1000'], ['chmod', '0755'], ['link'], ['exclude', '*.md'], ['exclude', 'tmp'], ['unpack', 'false']] }),
    );
    const copies = stepsOf(graph(ast), 'copy');
    expect(copies.map((c) => c.destination)).toEqual(['/app/', '/app/bin/c', '/app/', '/opt/']);
    expect(copies[0]).toEqual({
      kind: 'copy', instruction: 'COPY', from: { kind: 'context' }, sources: [{ path: 'a' }, { path: 'b' }], destination: '/app/',
      chown: undefined, chmod: undefined, link: false, exclude: [], parents: false, checksum: undefined, keepGitDir: false, unpack: undefined, user: '',
    });
    expect(copies[3]).toMatchObject({ instruction: 'ADD', chown: '1000:1000', chmod: '0755', link: true, exclude: ['*.md', 'tmp'], unpack: false });
  });

  it('several sources may go to a destination without a trailing slash, as BuildKit copies each there in turn', () => {
    // The classic builder refused this; BuildKit builds it (moby/buildkit#1853, #4550).
    expect(stepsOf(graph(dockerfile(FROM('busybox'), COPY(['a', 'b'], '/dest'))), 'copy')[0]).toMatchObject({ sources: [{ path: 'a' }, { path: 'b' }], destination: '/dest' });
  });

  it('history shows --parents, --chown and --chmod only (an empty one not), expanded, heredocs after files', () => {
    const ast = dockerfile(
      FROM('busybox'),
      ENV(['M', '644']),
      COPY(['a', 'b'], '/x/', { flags: [['link', 'true'], ['exclude', '*.md'], ['chown', ''], ['chmod', '$M'], ['parents', 'true']] }),
      ADD(['u.tar'], '/y', { flags: [['chown', 'app'], ['unpack', 'false']] }),
      COPY(['<<"DOC"', 'c'], '/z/', { heredocs: [{ name: 'DOC', content: 'text\n', expand: false }] }),
    );
    expect(createdBy(graph(ast)).slice(1)).toEqual([
      'COPY --parents --chmod=644 a b /x/ # buildkit',
      'ADD --chown=app u.tar /y # buildkit',
      'COPY c <<DOC /z/ # buildkit',
    ]);
  });

  it('--from a stage (by name, case-insensitive, or index) or an image; heredoc sources', () => {
    const ast = dockerfile(
      FROM('busybox', { as: 'Build' }),
      RUN('make'),
      FROM('scratch'),
      COPY(['/out'], '/a', { flags: [['from', 'build']] }),
      COPY(['/out'], '/b', { flags: [['from', '0']] }),
      COPY(['/etc/passwd'], '/c', { flags: [['from', 'alpine:3']] }),
      COPY(['<<EOF'], '/d', { heredocs: [{ name: 'EOF', content: '\thello\n', chomp: true }] }),
    );
    const plan = planStages(ast);
    expect(plan.imageRefs).toEqual(['busybox', 'alpine:3']);
    expect(plan.stages[1]?.dependsOn).toEqual([0]);
    const g = graph(ast);
    const copies = stepsOf(g, 'copy');
    expect(copies.map((c) => c.from)).toEqual([
      { kind: 'stage', stage: 0 },
      { kind: 'stage', stage: 0 },
      { kind: 'image', ref: 'alpine:3' },
      { kind: 'context' },
    ]);
    expect(copies[3]?.sources).toEqual([{ path: 'EOF', content: 'hello\n' }]);
    expect(g.edges.filter((e) => e.kind === 'copy-from')).toEqual([
      { from: 's0.1', to: 's1.1', kind: 'copy-from' },
      { from: 's0.1', to: 's1.2', kind: 'copy-from' },
    ]);
    expect(createdBy(g)).toEqual(['COPY /out /a # buildkit', 'COPY /out /b # buildkit', 'COPY /etc/passwd /c # buildkit', 'COPY <<EOF /d # buildkit']);
  });
});

describe('graph shape', () => {
  it('stages built on stages inherit their config; edges and order follow inputs', () => {
    const ast = dockerfile(FROM('busybox', { as: 'base' }), ENV(['A', '1']), RUN('make'), FROM('base'), RUN('test'));
    const g = graph(ast);
    expect(g.edges).toEqual([
      { from: 's0.0', to: 's0.1', kind: 'previous' },
      { from: 's0.1', to: 's0.2', kind: 'previous' },
      { from: 's0.2', to: 's1.0', kind: 'base' },
      { from: 's1.0', to: 's1.1', kind: 'previous' },
    ]);
    expect(g.order).toEqual(['s0.0', 's0.1', 's0.2', 's1.0', 's1.1']);
    expect(stepsOf(g, 'run')[0]?.env).toContain('A=1');
    expect(steps(g, 0).map((n) => n.name)).toEqual(['[base 1/2] FROM docker.io/library/busybox:latest', '[base] ENV A=1', '[base 2/2] RUN make']);
    expect(steps(g, 1)[0]?.step).toEqual({ kind: 'source', base: { kind: 'stage', stage: 0 }, platform: { os: 'linux', architecture: 'amd64' } });
  });

  it('--target keeps only the stages it needs', () => {
    const ast = dockerfile(FROM('busybox', { as: 'a' }), RUN('a'), FROM('alpine', { as: 'b' }), RUN('b'), FROM('scratch', { as: 'c' }), COPY(['/x'], '/', { flags: [['from', 'a']] }));
    const g = graph(ast, { target: 'c' });
    expect(g.stages.map((s) => s.displayName)).toEqual(['a', 'c']);
    expect(planStages(ast, { target: 'c' }).imageRefs).toEqual(['busybox']);
    expect([...g.nodes.keys()]).toEqual(['s0.0', 's0.1', 's2.0', 's2.1']);
  });

  it('images read by --mount from= are planned; FROM --platform expands automatic args', () => {
    const ast = dockerfile(FROM('busybox', { flags: [['platform', '$BUILDPLATFORM']] }), RUN('ls /x', { flags: [['mount', 'from=alpine:3,target=/x']] }));
    const plan = planStages(ast);
    expect(plan.imageRefs).toEqual(['busybox', 'alpine:3']);
    expect(plan.stages[0]?.platform).toBe('linux/amd64');
    expect(stepsOf(graph(ast), 'run')[0]?.mounts[0]).toMatchObject({ type: 'bind', from: { kind: 'image', ref: 'alpine:3' } });
  });

  it('steps carry their Dockerfile position', () => {
    const g = graph(dockerfile(FROM('busybox'), RUN('make')));
    expect(g.nodes.get('s0.1')?.source).toEqual({ file: 'Dockerfile', line: 2, column: 1, endLine: 2, endColumn: 9 });
  });
});
