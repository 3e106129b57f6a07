// Every example under examples/ is built with the real CLI and run, and its output checked against
// what its README promises. Needs root, runc and the built CLI; debian-apt also needs apt's network.
// Images run with `tsbuild run --rm`, as the READMEs say.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { cliPath, repoRoot } from '../helpers/paths.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let root: string;

function tsbuild(args: string[]): Result {
  const result = spawnSync(process.execPath, [cliPath, '--root', root, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, cwd: repoRoot });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** `tsbuild run --rm IMAGE [CMD…]`: the image's stdout (a failing run fails the test with its stderr). */
function runImage(ref: string, command: string[] = []): string {
  return ok(['run', '--rm', ref, ...command]).stdout;
}

function ok(args: string[]): Result {
  const result = tsbuild(args);
  if (result.code !== 0) throw new Error(`tsbuild ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result;
}

const bases = join(repoRoot, '.tsbuild-bases');
const missing = [...sandboxMissing(), ...(existsSync(cliPath) ? [] : [`the built CLI at ${cliPath} (npm run build)`])];

describeIf('examples', missing, () => {
  beforeAll(() => {
    execFileSync('bash', [join(repoRoot, 'scripts', 'make-busybox-rootfs.sh')]);
    root = mkdtempSync(join(tmpdir(), 'tsbuild-examples-'));
    ok(['import', join(bases, 'busybox.tar'), 'busybox:latest']);
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('hello greets as root from /app', () => {
    ok(['build', '-q', '-t', 'hello', 'examples/hello']);
    const output = runImage('hello');
    expect(output).toMatch(/^Hello from tsbuild!\n/);
    expect(output).toContain('running as root in /app');
  });

  it('multi-stage prints the three most frequent words from a scratch image', () => {
    const build = ok(['build', '--progress', 'plain', '-t', 'multi-stage', 'examples/multi-stage']);
    expect(build.stderr).toContain('wordfreq: tests pass');
    const output = runImage('multi-stage');
    expect(output.split('\n').map((l) => l.trim().replace(/\s+/g, ' '))).toEqual(['4 a', '4 is', '4 the', '']);
  });

  it('static-site serves its page with busybox httpd as www', () => {
    ok(['build', '-q', '-t', 'static-site', 'examples/static-site']);
    const page = runImage('static-site', ['sh', '-c', 'httpd -p 8080 -h /var/www && wget -qO- http://127.0.0.1:8080/']);
    expect(page).toContain('<h1>Served by busybox httpd, built by tsbuild</h1>');
    expect(runImage('static-site', ['id', '-un'])).toBe('www\n');
  });

  it('cache-mounts keeps ignored files out and its cache mount warm across builds', () => {
    // A copy of the example, so changing a source file leaves the repository alone.
    const project = join(root, 'cache-mounts');
    execFileSync('cp', ['-a', join(repoRoot, 'examples', 'cache-mounts'), project]);
    const first = ok(['build', '--progress', 'plain', '-t', 'cache-mounts', project]);
    expect(first.stderr).toContain('cache: cold');
    expect(runImage('cache-mounts')).toBe('src/app.js\nsrc/keep.log\n');
    appendFileSync(join(project, 'src', 'app.js'), '// changed\n');
    const second = ok(['build', '--progress', 'plain', '-t', 'cache-mounts', project]);
    expect(second.stderr).toContain('cache: warm');
  });
});

const debianMissing = [...missing, ...(existsSync(join(bases, 'debian.tar')) ? [] : ['the debian base (bash scripts/make-debian-rootfs.sh)'])];

describeIf('examples: debian-apt', debianMissing, () => {
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'tsbuild-examples-debian-'));
    ok(['import', join(bases, 'debian.tar'), 'debian:bookworm']);
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('installs a package with apt and runs it', () => {
    ok(['build', '-q', '-t', 'debian-apt', 'examples/debian-apt']);
    expect(runImage('debian-apt')).toBe('Hello from Debian in tsbuild\n');
  }, 600_000);
});
