// `tsbuild build` through the real CLI: caching (rebuild runs nothing, one changed file re-runs exactly
// its dependents, mode changes count and mtimes do not), reproducible image IDs across state roots,
// and failures that tag nothing and leave nothing behind.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { cliPath, repoRoot } from '../helpers/paths.js';
import { cliBuilt, executedSteps, tsbuild as runCli, tsbuildSucceeds, type CliResult } from './image-helpers.js';

let work: string;
let root: string;

function tsbuild(args: string[], stateRoot = root): CliResult {
  return runCli(stateRoot, args);
}

function ok(args: string[], stateRoot = root): CliResult {
  return tsbuildSucceeds(stateRoot, args);
}

const app = (dir: string): void => {
  cpSync(join(repoRoot, 'examples', 'hello'), dir, { recursive: true });
  writeFileSync(join(dir, 'other.txt'), 'other\n');
  writeFileSync(
    join(dir, 'Dockerfile'),
    'FROM busybox\nWORKDIR /app\nCOPY greet.sh .\nRUN chmod +x greet.sh && cat greet.sh > greet.copy\nCOPY other.txt .\nRUN wc -c other.txt > other.size\nCMD ["/app/greet.sh"]\n',
  );
};

const missing = [...sandboxMissing(), ...cliBuilt()];

describeIf('tsbuild build', missing, () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'tsbuild-e2e-build-'));
    root = join(work, 'root');
    ok(['import', join(repoRoot, '.tsbuild-bases', 'busybox.tar'), 'busybox:latest']);
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('builds with `tsbuild -t name .` (build is the default command) and rebuilds running nothing', () => {
    const dir = join(work, 'app1');
    app(dir);
    const first = ok(['-t', 'app1', '--progress', 'plain', dir]);
    expect(executedSteps(first.stderr)).toEqual([
      '[2/6] WORKDIR /app',
      '[3/6] COPY greet.sh .',
      '[4/6] RUN chmod +x greet.sh && cat greet.sh > greet.copy',
      '[5/6] COPY other.txt .',
      '[6/6] RUN wc -c other.txt > other.size',
    ]);
    const again = ok(['build', '-t', 'app1', '--progress', 'plain', dir]);
    expect(executedSteps(again.stderr)).toEqual([]);
    expect(again.stderr.match(/CACHED/g)).toHaveLength(5);
    expect(ok(['build', '-q', dir]).stdout.trim()).toBe(ok(['image', 'inspect', '--format', '{{.Id}}', 'app1']).stdout.trim());
  });

  it('re-runs exactly the steps that depend on a changed file, and says why', () => {
    const dir = join(work, 'app2');
    app(dir);
    ok(['-q', dir]);
    writeFileSync(join(dir, 'other.txt'), 'changed\n');
    const result = ok(['--progress', 'plain', dir]);
    expect(executedSteps(result.stderr)).toEqual(['[5/6] COPY other.txt .', '[6/6] RUN wc -c other.txt > other.size']);
    expect(result.stderr).toContain('running: file other.txt changed');
  });

  it('keeps its cache through rmi, as docker rmi keeps the BuildKit cache: the rebuild runs nothing', () => {
    const dir = join(work, 'after-rmi');
    app(dir);
    ok(['-t', 'after-rmi', '-q', dir]);
    ok(['rmi', 'after-rmi']);
    const again = ok(['-t', 'after-rmi', '--progress', 'plain', dir]);
    expect(executedSteps(again.stderr)).toEqual([]);
    expect(again.stderr.match(/CACHED/g)).toHaveLength(5);
  });

  it('stops at a stage that runs again but gives the same files: COPY --from is keyed by what it copies', () => {
    const dir = join(work, 'cutoff');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'src', 'a.txt'), 'one\n');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox AS build\nCOPY src/ /src/\nRUN cat /src/*.txt | wc -l > /count\nFROM busybox\nCOPY --from=build /count /count\nRUN cat /count > /seen\n');
    ok(['-q', dir]);
    writeFileSync(join(dir, 'src', 'a.txt'), 'uno\n'); // same line count: the same /count
    const again = ok(['-t', 'cutoff', '--progress', 'plain', dir]);
    expect(executedSteps(again.stderr)).toHaveLength(2);
    expect(executedSteps(again.stderr).every((name) => name.startsWith('[build '))).toBe(true);
    expect(ok(['run', '--rm', 'cutoff', 'cat', '/seen']).stdout).toBe('1\n');
  });

  it('sees a mode change but not an mtime-only change', () => {
    const dir = join(work, 'app3');
    app(dir);
    ok(['-q', dir]);
    utimesSync(join(dir, 'other.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(executedSteps(ok(['--progress', 'plain', dir]).stderr)).toEqual([]);
    chmodSync(join(dir, 'other.txt'), 0o600);
    expect(executedSteps(ok(['--progress', 'plain', dir]).stderr)).toEqual(['[5/6] COPY other.txt .', '[6/6] RUN wc -c other.txt > other.size']);
  });

  it('gives the same image ID on another state root with the same base image', () => {
    const dir = join(work, 'app4');
    app(dir);
    const here = ok(['-q', dir]).stdout.trim();
    const otherRoot = join(work, 'other-root');
    const base = join(work, 'busybox-image.tar');
    ok(['save', '-o', base, 'busybox']);
    ok(['load', '-q', '-i', base], otherRoot);
    expect(ok(['-q', dir], otherRoot).stdout.trim()).toBe(here);
  });

  it('gives an incremental COPY of a tree (unchanged files linked from the last build) the image a fresh state root gives', () => {
    const dir = join(work, 'tree');
    for (let d = 0; d < 3; d++) {
      mkdirSync(join(dir, 'tree', `d${d}`), { recursive: true });
      for (let f = 0; f < 30; f++) writeFileSync(join(dir, 'tree', `d${d}`, `f${f}`), `file ${d}/${f}\n`);
    }
    chmodSync(join(dir, 'tree', 'd1', 'f1'), 0o755);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY tree/ /srv/\nRUN cat /srv/d2/f5 > /seen\n');
    ok(['-q', dir]);
    writeFileSync(join(dir, 'tree', 'd2', 'f5'), 'changed\n');
    const incremental = ok(['-t', 'tree', '--progress', 'plain', dir]);
    expect(executedSteps(incremental.stderr)).toEqual(['[2/3] COPY tree/ /srv/', '[3/3] RUN cat /srv/d2/f5 > /seen']);
    expect(ok(['run', '--rm', 'tree', 'cat', '/seen', '/srv/d0/f0']).stdout).toBe('changed\nfile 0/0\n');
    const otherRoot = join(work, 'tree-root');
    const base = join(work, 'tree-busybox.tar');
    ok(['save', '-o', base, 'busybox']);
    ok(['load', '-q', '-i', base], otherRoot);
    expect(ok(['-q', dir], otherRoot).stdout.trim()).toBe(ok(['image', 'inspect', '--format', '{{.Id}}', 'tree']).stdout.trim());
  });

  it('shows RUN bind mounts of the context only what .dockerignore selects, and keeps rw writes off the context', () => {
    const dir = join(work, 'bind-ignore');
    mkdirSync(join(dir, 'src', 'node_modules', 'keep'), { recursive: true });
    writeFileSync(join(dir, 'src', 'app.js'), 'app\n');
    writeFileSync(join(dir, 'src', 'secret.env'), 'TOKEN=x\n');
    writeFileSync(join(dir, 'src', 'node_modules', 'dep.js'), 'dep\n');
    writeFileSync(join(dir, 'src', 'node_modules', 'keep', 'k.js'), 'k\n');
    writeFileSync(join(dir, '.dockerignore'), '**/secret.env\nsrc/node_modules\n!src/node_modules/keep\n');
    writeFileSync(
      join(dir, 'Dockerfile'),
      'FROM busybox\n' +
        'RUN --mount=type=bind,source=src,target=/ctx find /ctx | sort > /listing\n' +
        'RUN --mount=type=bind,source=src,target=/ctx,rw rm /ctx/app.js && echo new > /ctx/new.txt && ls /ctx > /rw-listing\n',
    );
    ok(['build', '-t', 'bind-ignore', '--progress', 'plain', dir]);
    const listing = ok(['run', '--rm', 'bind-ignore', 'cat', '/listing', '/rw-listing']).stdout;
    expect(listing).toBe(['/ctx', '/ctx/app.js', '/ctx/node_modules', '/ctx/node_modules/keep', '/ctx/node_modules/keep/k.js', 'new.txt', 'node_modules', ''].join('\n'));
    expect(readFileSync(join(dir, 'src', 'app.js'), 'utf8')).toBe('app\n');
    expect(existsSync(join(dir, 'src', 'new.txt'))).toBe(false);
  });

  it('re-runs everything with --no-cache and writes --iidfile', () => {
    const dir = join(work, 'app5');
    app(dir);
    ok(['-q', dir]);
    const iidfile = join(work, 'iid');
    const result = ok(['--no-cache', '--progress', 'plain', '--iidfile', iidfile, dir]);
    expect(executedSteps(result.stderr)).toHaveLength(5);
    expect(readFileSync(iidfile, 'utf8')).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('fails a broken RUN with its output and Dockerfile lines, tags nothing and leaves nothing behind', () => {
    const dir = join(work, 'broken');
    app(dir);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY greet.sh /\nRUN echo about to fail; exit 3\n');
    const result = tsbuild(['-t', 'broken', '--progress', 'plain', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('about to fail');
    expect(result.stderr).toContain('Dockerfile:3');
    expect(result.stderr).toContain('ERROR: process "/bin/sh -c echo about to fail; exit 3" did not complete successfully: exit code: 3');
    expect(tsbuild(['image', 'inspect', 'broken']).code).not.toBe(0);
    expect(execFileSync('mount', { encoding: 'utf8' })).not.toContain(root);
    expect(execFileSync('runc', ['--root', join(root, 'runc'), 'list', '-q'], { encoding: 'utf8' }).trim()).toBe('');
  });

  it('stops on Ctrl-C leaving nothing behind, and the next build reuses what finished', async () => {
    const dir = join(work, 'interrupted');
    app(dir);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY greet.sh /\nRUN echo started; sleep 60\n');
    const child = spawn(process.execPath, [cliPath, '--root', root, 'build', '-t', 'interrupted', '--progress', 'plain', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes(' started\n')) child.kill('SIGINT');
      });
      child.on('close', resolve);
    });
    expect(code).not.toBe(0);
    expect(tsbuild(['image', 'inspect', 'interrupted']).code).not.toBe(0);
    expect(execFileSync('mount', { encoding: 'utf8' })).not.toContain(root);
    expect(execFileSync('runc', ['--root', join(root, 'runc'), 'list', '-q'], { encoding: 'utf8' }).trim()).toBe('');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCOPY greet.sh /\nRUN echo finished\n');
    expect(executedSteps(ok(['--progress', 'plain', dir]).stderr)).toEqual(['[3/3] RUN echo finished']);
  }, 60_000);

  it('lists BuildKit build-check warnings after the build, and with # check=error=true fails before building, tagging nothing', () => {
    const dir = join(work, 'checks');
    mkdirSync(dir);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox as Build\nCMD echo hi\n');
    const built = ok(['-t', 'checked', '--progress', 'plain', dir]);
    expect(built.stderr.endsWith(
      [
        '',
        ' 3 warnings found (use docker --debug to expand):',
        " - StageNameCasing: Stage name 'Build' should be lowercase (line 1)",
        " - FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)",
        ' - JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (line 2)',
        '',
      ].join('\n'),
    )).toBe(true);
    expect(ok(['-q', '-t', 'checked', dir]).stderr).toBe('');

    writeFileSync(join(dir, 'Dockerfile'), '# check=error=true\nFROM busybox\nCMD echo hi\n');
    const failed = tsbuild(['-t', 'strict', '--progress', 'plain', dir]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(' - JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (line 3)');
    expect(failed.stderr).toContain('ERROR: lint violation found for rules: JSONArgsRecommended');
    expect(tsbuild(['image', 'inspect', 'strict']).code).not.toBe(0);
    ok(['-t', 'strict', '--build-arg', 'BUILDKIT_DOCKERFILE_CHECK=skip=JSONArgsRecommended', dir]);

    // --check: the report alone, exit 1 when something was found; nothing is built or tagged.
    const checked = tsbuild(['build', '--check', '-t', 'never', dir]);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toMatch(/^Check complete, 1 warning has been found!\n\nWARNING: JSONArgsRecommended - https:\/\/docs\.docker\.com\/go\/dockerfile\/rule\/json-args-recommended\/\nJSON arguments recommended for CMD/);
    expect(checked.stdout).toContain('> 3 | CMD echo hi');
    expect(tsbuild(['image', 'inspect', 'never']).code).not.toBe(0);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nCMD ["echo", "hi"]\n');
    expect(tsbuild(['build', '--check', dir])).toMatchObject({ code: 0, stdout: 'Check complete, no warnings found.\n' });
  });
});
