// The graph over real parsed Dockerfiles: ONBUILD triggers of base images, history text, positions that
// point into the file, and the snippet the CLI prints for them.
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../grammar/index.js';
import { renderSnippet } from '../../src/cli/snippet.js';
import { TsbuildError } from '../../src/errors.js';
import { buildGraph, planStages } from '../../src/graph/index.js';
import type { BaseImageConfig, InstructionGraph, StepNode } from '../../src/graph/index.js';

function parse(text: string) {
  const { ast, diagnostics } = parseDockerfile(text, { file: 'Dockerfile' });
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return ast;
}

function build(text: string, images: Record<string, BaseImageConfig> = {}, target?: string): InstructionGraph {
  return buildGraph(parse(text), { target, baseImages: new Map(Object.entries(images)) });
}

function targetStage(g: InstructionGraph) {
  return g.stages.find((s) => s.index === g.target);
}

describe('parsed Dockerfiles', () => {
  it('history of a typical file, as BuildKit writes it', () => {
    const g = build(
      [
        'FROM busybox',
        'ARG VERSION=1.2',
        'ENV APP_HOME=/app',
        'WORKDIR $APP_HOME',
        'COPY --chown=app:app package.json ./',
        'RUN echo $VERSION > version',
        'EXPOSE 8080 9000/udp',
        'USER app',
        'CMD ["node", "server.js"]',
        '',
      ].join('\n'),
      { busybox: { Env: ['PATH=/bin'] } },
    );
    expect(targetStage(g)?.history.map((h) => h.created_by)).toEqual([
      'ARG VERSION=1.2',
      'ENV APP_HOME=/app',
      'WORKDIR /app',
      'COPY --chown=app:app package.json ./ # buildkit',
      'RUN |1 VERSION=1.2 /bin/sh -c echo $VERSION > version # buildkit',
      'EXPOSE [8080/tcp 9000/udp]',
      'USER app',
      'CMD ["node" "server.js"]',
    ]);
    expect(targetStage(g)?.config).toEqual({
      Env: ['PATH=/bin', 'APP_HOME=/app'],
      WorkingDir: '/app',
      ExposedPorts: { '8080/tcp': {}, '9000/udp': {} },
      User: 'app',
      Cmd: ['node', 'server.js'],
      ArgsEscaped: true,
    });
  });

  it("a base image's ONBUILD triggers run right after FROM, once, and are not inherited", () => {
    const g = build(
      ['FROM base AS child', 'RUN echo child', 'FROM child', 'RUN echo grandchild', ''].join('\n'),
      { base: { OnBuild: ['COPY . /src', 'RUN make -C /src'] } },
    );
    const steps = (index: number) => (g.stages.find((s) => s.index === index)?.steps ?? []).map((id) => g.nodes.get(id) as StepNode);
    expect(steps(0).map((n) => n.step.kind)).toEqual(['source', 'copy', 'run', 'run']);
    expect(steps(0)[2]?.step).toMatchObject({ kind: 'run', args: ['/bin/sh', '-c', 'make -C /src'] });
    expect(steps(0)[1]?.source?.line).toBe(1);
    expect(g.stages[0]?.config.OnBuild).toBeUndefined();
    expect(steps(1).map((n) => n.step.kind)).toEqual(['source', 'run']);
  });

  it("a base image's ONBUILD triggers may read from stages the target needs only through them, and from more images", () => {
    const text = ['FROM busybox AS src', 'RUN echo s > /s', 'FROM busybox AS input', 'RUN echo i > /i', 'FROM parent', 'RUN ls', ''].join('\n');
    const parent: BaseImageConfig = { OnBuild: ['COPY --from=src /s /s', 'RUN --mount=type=bind,from=input,target=/m cat /m/i', 'COPY --from=alpine /etc/os-release /'] };
    const ast = parse(text);
    // Without the parent's config the triggers are unknown; with it, planning adds what they read.
    expect(planStages(ast).reachable).toEqual([2]);
    const plan = planStages(ast, { baseImages: new Map([['parent', parent]]) });
    expect([plan.reachable, plan.imageRefs]).toEqual([[0, 1, 2], ['busybox', 'parent', 'alpine']]);
    const g = buildGraph(ast, { baseImages: new Map([['parent', parent], ['busybox', {}], ['alpine', {}]]) });
    const target = (targetStage(g)?.steps ?? []).map((id) => g.nodes.get(id) as StepNode);
    expect(target.map((n) => n.step.kind)).toEqual(['source', 'copy', 'run', 'copy', 'run']);
    const inputsOf = (node: StepNode | undefined) => g.edges.filter((e) => e.to === node?.id && e.kind !== 'previous').map((e) => [e.from, e.kind]);
    expect([inputsOf(target[1]), inputsOf(target[2]), target[3]?.step]).toMatchObject([
      [[g.stages[0]?.steps.at(-1), 'copy-from']],
      [[g.stages[1]?.steps.at(-1), 'mount-from']],
      { kind: 'copy', from: { kind: 'image', ref: 'alpine' } },
    ]);
    // An engine that did not plan again with the parent's config left `alpine` unresolved: a clear error at the FROM.
    expect(() => buildGraph(ast, { baseImages: new Map([['parent', parent], ['busybox', {}]]) })).toThrow(
      'image "alpine", read by an ONBUILD trigger, was not resolved before the build',
    );
  });

  it('an ONBUILD trigger reading from a stage defined later fails at the FROM that fires it', () => {
    const ast = parse(['FROM parent', 'FROM busybox AS src', ''].join('\n'));
    const error = (() => {
      try {
        planStages(ast, { target: 'src', baseImages: new Map([['parent', { OnBuild: ['COPY --from=src /s /s'] }]]), allStages: true });
      } catch (err) {
        return err as TsbuildError;
      }
      return undefined;
    })();
    expect([error?.message, error?.sources[0]?.line]).toEqual(['cannot copy from stage "src", it needs to be defined before current stage "stage-0"', 1]);
  });

  it('ONBUILD declared in a stage fires in a stage built on it', () => {
    const g = build(['FROM scratch AS parent', 'ONBUILD RUN touch /x', 'FROM parent', 'RUN ls', ''].join('\n'));
    const runs = (targetStage(g)?.steps ?? []).map((id) => g.nodes.get(id)?.step).filter((s) => s?.kind === 'run');
    expect(runs.map((r) => (r?.kind === 'run' ? r.args : []))).toEqual([['/bin/sh', '-c', 'touch /x'], ['/bin/sh', '-c', 'ls']]);
  });

  it('a RUN --mount type may come from a variable, and is judged once expanded', () => {
    const g = build(['FROM busybox', 'ARG T=tmpfs', 'RUN --mount=type=$T,target=/x true', ''].join('\n'));
    const run = (targetStage(g)?.steps ?? []).map((id) => g.nodes.get(id)?.step).find((s) => s?.kind === 'run');
    expect(run?.kind === 'run' ? run.mounts.map((m) => m.type) : []).toEqual(['tmpfs']);
    expect(() => build(['FROM busybox', 'ARG T=tmp', 'RUN --mount=type=$T,target=/x true', ''].join('\n'))).toThrow('unsupported mount type "tmp" (did you mean tmpfs?)');
  });

  it('a COPY destination that expands to nothing is the working directory, as . is (BuildKit testEmptyDestDir, testCopyLinkEmptyDestDir)', () => {
    const g = build(['FROM busybox', 'WORKDIR /var/www', 'ENV empty=""', 'COPY testfile $empty', 'COPY --link testfile $empty', 'COPY --link testfile .', ''].join('\n'));
    const copies = (targetStage(g)?.steps ?? []).map((id) => g.nodes.get(id)?.step).filter((s) => s?.kind === 'copy');
    expect(copies.map((c) => (c?.kind === 'copy' ? c.destination : ''))).toEqual(['/var/www/', '/var/www/', '/var/www/']);
  });

  it('heredocs: COPY creates files from bodies; RUN hands a lone heredoc to the shell', () => {
    const g = build(['FROM busybox', 'COPY <<EOF /etc/motd', 'hello', 'EOF', 'RUN <<EOF', 'echo one', 'echo two', 'EOF', ''].join('\n'));
    const nodes = (targetStage(g)?.steps ?? []).map((id) => g.nodes.get(id) as StepNode);
    expect(nodes[1]?.step).toMatchObject({ kind: 'copy', sources: [{ path: 'EOF', content: 'hello\n' }], destination: '/etc/motd' });
    expect(nodes[2]?.step).toMatchObject({ kind: 'run', args: ['/bin/sh', '-c', 'echo one\necho two\n'] });
  });

  it('COPY heredoc bodies expand variables and read backslashes as escapes but keep quotes; a quoted delimiter changes nothing', () => {
    const g = build(
      [
        'FROM busybox',
        'ARG NAME=world',
        'COPY <<EOF /a',
        'say "hello $NAME" \\n \'${NAME}\' \\$NAME',
        '\\',
        '\\\\',
        'EOF',
        "COPY <<'EOF' /b",
        '$NAME \\$ \\\\',
        'EOF',
        '',
      ].join('\n'),
    );
    const copies = (targetStage(g)?.steps ?? []).map((id) => g.nodes.get(id)?.step).filter((s) => s?.kind === 'copy');
    expect(copies.map((c) => (c?.kind === 'copy' ? c.sources : []))).toEqual([
      // BuildKit's testCopyHeredocSpecialSymbols: `\` alone → empty line, `\\` → `\`, `\$` → `$`.
      [{ path: 'EOF', content: 'say "hello world" n \'world\' $NAME\n\n\\\n' }],
      [{ path: 'EOF', content: '$NAME \\$ \\\\\n' }],
    ]);
  });

  it('a COPY heredoc body escapes with a backslash even under `# escape=`', () => {
    const g = build(['# escape=`', 'FROM busybox', 'COPY <<EOF /a', '\\$HOME `x', 'EOF', ''].join('\n'), { busybox: { Env: ['HOME=/root'] } });
    const copy = (targetStage(g)?.steps ?? []).map((id) => g.nodes.get(id)?.step).find((s) => s?.kind === 'copy');
    expect(copy?.kind === 'copy' && copy.sources).toEqual([{ path: 'EOF', content: '$HOME `x\n' }]);
  });

  it('an error position renders as a snippet of the file', () => {
    const text = ['FROM busybox AS build', 'RUN make', 'FROM scratch', 'COPY --from=Build_X /out /', ''].join('\n');
    let error: TsbuildError | undefined;
    try {
      planStages(parse(text));
    } catch (err) {
      error = err as TsbuildError;
    }
    expect(error?.message).toBe('failed to parse stage name "Build_X": invalid reference format: repository name (library/Build_X) must be lowercase');
    expect(renderSnippet(text, error?.sources[0] as NonNullable<TsbuildError['sources'][0]>)).toBe(
      ['Dockerfile:4:13', '   2 | RUN make', '   3 | FROM scratch', ' > 4 | COPY --from=Build_X /out /', '     |             ^^^^^^^', ''].join('\n'),
    );
  });

  it('progress names follow BuildKit: no stage in a one-stage build, padded counters, ONBUILD triggers marked', () => {
    const names = (g: InstructionGraph, index: number) => (g.stages.find((s) => s.index === index)?.steps ?? []).map((id) => (g.nodes.get(id) as StepNode).name);
    const single = build(['FROM busybox', 'ENV A=1', 'WORKDIR /', ...Array.from({ length: 9 }, (_, i) => `RUN echo ${i}`), ''].join('\n'), { busybox: {} });
    // 11 = FROM + WORKDIR (counted although `/` makes no op) + 9 RUN; the counter is padded to two digits.
    expect(names(single, 0).slice(0, 5)).toEqual(['[ 1/11] FROM docker.io/library/busybox:latest', 'ENV A=1', 'WORKDIR /', '[ 2/11] RUN echo 0', '[ 3/11] RUN echo 1']);
    expect(names(single, 0).at(-1)).toBe('[10/11] RUN echo 8');
    const imageCopy = build(['FROM scratch', 'COPY --from=busybox /bin/sh /sh', ''].join('\n'), { busybox: {} });
    expect(names(imageCopy, 0)).toEqual(['[stage-0] FROM scratch', '[stage-0 1/1] COPY --from=busybox /bin/sh /sh']);
    const triggered = build(['FROM base AS child', 'RUN echo child', 'FROM child', 'RUN echo grandchild', ''].join('\n'), {
      base: { OnBuild: ['COPY . /src', 'ENV X=1'] },
    });
    expect(names(triggered, 0)).toEqual(['[child 1/4] FROM docker.io/library/base:latest', '[child 2/4] ONBUILD COPY . /src', '[child] ONBUILD ENV X=1', '[child 3/4] RUN echo child']);
    expect(names(triggered, 1)).toEqual(['[stage-1] FROM child', '[stage-1 1/1] RUN echo grandchild']);
  });

  it('progress names expand the stage variables as BuildKit does: RUN keeps quotes and unset names, COPY/WORKDIR as a word', () => {
    const text = [
      'FROM busybox',
      'ENV FOO=bar',
      'ARG A=1',
      'ARG NOVAL',
      'RUN echo $FOO "$UNSET" ${A} \'$FOO\' ${NOVAL:-x} \\',
      '  # a comment line is not part of it',
      '  && true',
      'WORKDIR /x/$FOO',
      'copy --chown=$FOO a "$FOO"c /$FOO/',
      'RUN --mount=type=secret,id=s,env=TOKEN echo $TOKEN',
      'RUN <<EOF',
      '  first line',
      'second',
      'EOF',
      '',
    ].join('\n');
    const g = build(text, { busybox: { Env: ['PATH=/bin'] } });
    expect((targetStage(g)?.steps ?? []).map((id) => g.nodes.get(id)?.name)).toEqual([
      '[1/6] FROM docker.io/library/busybox:latest',
      'ENV FOO=bar',
      'ARG A=1',
      'ARG NOVAL',
      '[2/6] RUN echo bar "$UNSET" 1 \'$FOO\' ${NOVAL:-x}   && true',
      '[3/6] WORKDIR /x/bar',
      '[4/6] COPY --chown=bar a barc /bar/',
      '[5/6] RUN --mount=type=secret,id=s,env=TOKEN echo ****',
      '[6/6] RUN <<EOF (first line...)',
    ]);
  });
});
