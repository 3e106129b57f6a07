// Build checks that need dispatch, through the real CLI: UndefinedVar knows the base image's Env, is listed
// after a build with the other warnings, fails a `# check=error=true` build, and `build --check` reports it
// for every stage (a stage on an image missing from the store is not judged, and does not fail the check);
// CopyIgnoredFile knows the .dockerignore; a base image's ONBUILD triggers are checked at the FROM.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { repoRoot } from '../helpers/paths.js';
import { cliBuilt, tsbuild as runCli, type CliResult } from './image-helpers.js';

let work: string;
let root: string;

function tsbuild(args: string[]): CliResult {
  return runCli(root, args);
}

/** The whole result (the warnings are on stderr), failing unless the CLI exits 0. */
function ok(args: string[]): CliResult {
  const result = tsbuild(args);
  if (result.code !== 0) throw new Error(`tsbuild ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result;
}

function project(name: string, dockerfile: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

const missing = [...sandboxMissing(), ...cliBuilt()];

describeIf('build checks that need dispatch', missing, () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'tsbuild-e2e-checks-'));
    root = join(work, 'root');
    ok(['import', join(repoRoot, '.tsbuild-bases', 'busybox.tar'), 'busybox:latest']);
    ok(['-q', '-t', 'greeter', project('greeter', 'FROM busybox\nENV GREETING=hello\n')]);
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('warns about a variable that neither the Dockerfile nor the base image defines, suggesting the base image one', () => {
    const dir = project('undefined', 'FROM greeter\nENV LOUD=$GREETING MESSAGE=$GRETING\nCMD ["sh"]\n');
    const built = ok(['-t', 'undefined', '--progress', 'plain', dir]);
    expect(built.stderr.endsWith(
      [
        '',
        ' 1 warning found (use docker --debug to expand):',
        " - UndefinedVar: Usage of undefined variable '$GRETING' (did you mean $GREETING?) (line 2)",
        '',
      ].join('\n'),
    )).toBe(true);

    const checked = tsbuild(['build', '--check', dir]);
    expect(checked.code).toBe(1);
    expect(checked.stdout.startsWith(
      [
        'Check complete, 1 warning has been found!',
        '',
        'WARNING: UndefinedVar - https://docs.docker.com/go/dockerfile/rule/undefined-var/',
        "Usage of undefined variable '$GRETING' (did you mean $GREETING?)",
        '',
      ].join('\n'),
    )).toBe(true);
    expect(checked.stdout).toContain('> 2 | ENV LOUD=$GREETING MESSAGE=$GRETING');

    writeFileSync(join(dir, 'Dockerfile'), '# check=error=true\nFROM greeter\nCOPY $NOPE /\n');
    const failed = tsbuild(['-t', 'strict', '--progress', 'plain', dir]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(" - UndefinedVar: Usage of undefined variable '$NOPE' (line 3)");
    expect(failed.stderr).toContain('ERROR: lint violation found for rules: UndefinedVar');
    expect(tsbuild(['image', 'inspect', 'strict']).code).not.toBe(0);
  }, 60_000);

  it('judges only the target stages in a build, every stage with --check, and skips stages on an image not in the store', () => {
    const dir = project('stages', 'FROM busybox AS unused\nENV A=$UNUSED\nCMD run\n\nFROM no-such-image AS elsewhere\nENV B=$FROM_THAT_IMAGE\n\nFROM greeter\nENV C=$GREETING\n');
    expect(ok(['-t', 'stages', dir]).stderr).not.toContain('warning');

    const checked = tsbuild(['build', '--check', dir]);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toMatch(/^Check complete, 2 warnings have been found!\n\nWARNING: UndefinedVar - .*\nUsage of undefined variable '\$UNUSED'\n/);
    expect(checked.stdout).toContain('> 2 | ENV A=$UNUSED');
    expect(checked.stdout).toContain('WARNING: JSONArgsRecommended');
  }, 60_000);

  it('names the first line of an instruction that spans several, as BuildKit does', () => {
    const dir = project('heredoc', 'FROM busybox\nCOPY <<EOF /greeting\nhello $WHO\nEOF\n');
    expect(ok(['-t', 'heredoc', dir]).stderr).toContain(" - UndefinedVar: Usage of undefined variable '$WHO' (line 2)\n");
  }, 60_000);

  it('--check on a Dockerfile that cannot be dispatched reports what the text shows, then the error', () => {
    // `ENV =x` would fail parsing, before any check BuildKit runs while dispatching: here dispatch fails.
    const dir = project('broken', 'FROM busybox\nCMD echo hi\nENV A=${B:?unset}\n');
    const checked = tsbuild(['build', '--check', dir]);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toMatch(/^Check complete, 1 warning has been found!\n\nWARNING: JSONArgsRecommended - /);
    expect(checked.stderr).toContain('> 3 | ENV A=${B:?unset}');
    expect(checked.stderr).toContain('ERROR: B: unset');
  }, 60_000);

  it('warns of a COPY/ADD of a path the .dockerignore excludes, and of a base image trigger only where it fires', () => {
    const dir = project('ignored', 'FROM busybox\nCOPY kept* /\nADD ./secret.txt /s\n');
    writeFileSync(join(dir, '.dockerignore'), 'secret.txt\n');
    writeFileSync(join(dir, 'kept.txt'), 'k\n');
    const checked = tsbuild(['build', '--check', dir]);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toMatch(/^Check complete, 1 warning has been found!\n\nWARNING: CopyIgnoredFile - .*\nAttempting to Add file "secret.txt" that is excluded by .dockerignore\n/);
    expect(checked.stdout).toContain('> 3 | ADD ./secret.txt /s');

    ok(['-q', '-t', 'legacy-trigger', project('legacy-trigger', 'FROM busybox\nONBUILD ENV MODE legacy\n')]);
    // A comment above the FROM does not govern the triggers (BuildKit dispatches them with none of their own).
    const child = project('trigger-child', '# the base image sets MODE\n# check=skip=LegacyKeyValueFormat\nFROM legacy-trigger\nRUN echo $MODE\n');
    expect(ok(['-t', 'trigger-child', child]).stderr).toContain(' - LegacyKeyValueFormat: "ENV key=value" should be used instead of legacy "ENV key value" format (line 3)\n');
  }, 60_000);

  it('lists the warnings of a build that fails, before its error, as BuildKit does', () => {
    const dir = project('failing', 'FROM busybox as base\nRUN exit 3\n');
    const failed = tsbuild(['--progress', 'plain', dir]);
    expect(failed.code).toBe(1);
    const warning = failed.stderr.indexOf(" - FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)");
    expect(warning).toBeGreaterThan(-1);
    expect(failed.stderr.indexOf('ERROR:', warning)).toBeGreaterThan(warning);
  });

  it('prints nothing new for a Dockerfile without problems', () => {
    const dir = project('tidy', 'FROM greeter\nARG NAME=world\nENV TEXT="$GREETING $NAME" PATH=$PATH:/opt\nCMD ["sh"]\n');
    expect(ok(['-t', 'tidy', '--progress', 'plain', dir]).stderr).not.toContain('warning');
    expect(tsbuild(['build', '--check', dir])).toMatchObject({ code: 0, stdout: 'Check complete, no warnings found.\n' });
  }, 60_000);
});
