// `tsbuild builder prune` and the build-cache row of `system df` through the real CLI, on real builds:
// a prune makes the next build run every step again, images keep running and saving (their layers stay),
// a dangling prune keeps the newest build's cache, -a empties cache mounts, and a prune during a build
// does not break it, and a build starts the default collection in the background once an hour.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { cliPath, repoRoot } from '../helpers/paths.js';
import { checkStoreConsistent, cliBuilt, tsbuild, tsbuildOk } from './image-helpers.js';

let work: string;
let root: string;

/** Builds `dir` as `tag` with plain progress; returns how many steps ran (were not CACHED). */
function build(dir: string, tag: string): number {
  const result = tsbuild(root, ['build', '-t', tag, '--progress', 'plain', dir]);
  if (result.code !== 0) throw new Error(`build exited ${result.code}:\n${result.stderr}`);
  return (result.stderr.match(/^#\d+ running: /gm) ?? []).length;
}

/** The Build Cache row of `system df` as [total, active, size, reclaimable]. */
function cacheRow(): string[] {
  const row = /^Build Cache +(\d+) +(\d+) +(\S+) +(\S+)/m.exec(tsbuildOk(root, ['system', 'df']));
  if (!row) throw new Error('no Build Cache row');
  return row.slice(1);
}

function project(name: string, file: string, dockerfile: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'file.txt'), file);
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

const steps = 'FROM busybox\nRUN dd if=/dev/zero of=/zeros bs=1k count=300 2>/dev/null\nCOPY file.txt /file.txt\nRUN cat /file.txt /file.txt > /twice\nCMD ["cat", "/twice"]\n';

describeIf('tsbuild builder prune', [...sandboxMissing(), ...cliBuilt()], () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'tsbuild-e2e-prune-'));
    root = join(work, 'root');
    tsbuildOk(root, ['import', join(repoRoot, '.tsbuild-bases', 'busybox.tar'), 'busybox:latest']);
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('prune -a -f removes every record: the rebuild runs all steps, the image still runs and saves', () => {
    const dir = project('all', 'hello\n', steps);
    expect(build(dir, 'pruned:1')).toBe(3);
    const [total, active, size] = cacheRow();
    expect(Number(total)).toBeGreaterThanOrEqual(3);
    expect(active).toBe('0');
    expect(size).toMatch(/^[\d.]+[kM]B$/); // the 300 kB of zeros at least
    const verbose = tsbuildOk(root, ['system', 'df', '-v']);
    expect(verbose).toContain(`Build cache usage: ${size}\n\nCACHE ID       CACHE TYPE   SIZE`);
    expect(verbose.match(/^[0-9a-f]{12} +regular +/gm)).toHaveLength(Number(total));

    const out = tsbuildOk(root, ['builder', 'prune', '-a', '-f']);
    expect(out).toMatch(new RegExp(`^Deleted build cache objects:\\n([0-9a-f]{64}\\n){${total}}\\nTotal reclaimed space: [\\d.]+[kM]B\\n$`));
    expect(cacheRow()).toEqual(['0', '0', '0B', '0B']);
    checkStoreConsistent(root);

    expect(tsbuildOk(root, ['run', '--rm', 'pruned:1'])).toBe('hello\nhello\n');
    const saved = join(work, 'pruned.tar');
    tsbuildOk(root, ['save', '-o', saved, 'pruned:1']);
    expect(execFileSync('tar', ['-tf', saved], { encoding: 'utf8' })).toContain('manifest.json');

    expect(build(dir, 'pruned:1')).toBe(3);
    expect(build(dir, 'pruned:1')).toBe(0);
    expect(Number(cacheRow()[0])).toBe(Number(total));
  });

  it('prune -a empties RUN --mount=type=cache directories', () => {
    const dir = project('mounts', '', 'FROM busybox\nARG N\nRUN --mount=type=cache,target=/cache echo $N >> /cache/runs && wc -l < /cache/runs > /count\n');
    const count = (): string => tsbuildOk(root, ['run', '--rm', 'mounts', 'cat', '/count']).trim();
    const buildWith = (n: number): void => {
      tsbuildOk(root, ['build', '-q', '-t', 'mounts', '--build-arg', `N=${n}`, dir]);
    };
    buildWith(1);
    buildWith(2);
    expect(count()).toBe('2');
    const [total] = cacheRow();
    expect(tsbuildOk(root, ['system', 'df', '-v'])).toMatch(/^[0-9a-f]{12} +exec\.cachemount +/m);
    const out = tsbuildOk(root, ['builder', 'prune', '-a', '-f']);
    expect(out.split('\n').filter((l) => /^[0-9a-f]{32}$/.test(l))).toHaveLength(1);
    expect(out.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l))).toHaveLength(Number(total) - 1);
    buildWith(3);
    expect(count()).toBe('1');
    tsbuildOk(root, ['builder', 'prune', '-a', '-f']);
  });

  it('prune without -a removes only what the newest build did not use', () => {
    const dir = project('dangling', 'one\n', steps);
    build(dir, 'dangling:1');
    writeFileSync(join(dir, 'file.txt'), 'two\n');
    expect(build(dir, 'dangling:1')).toBe(2);
    const out = tsbuildOk(root, ['builder', 'prune', '-f']);
    // The COPY and RUN records of "one" went; everything the "two" build used stays.
    expect(out.split('\n').filter((l) => /^[0-9a-f]{64}$/.test(l))).toHaveLength(2);
    expect(build(dir, 'dangling:1')).toBe(0);
    writeFileSync(join(dir, 'file.txt'), 'one\n');
    expect(build(dir, 'dangling:1')).toBe(2);
  });

  it('asks before pruning without -f and keeps everything on no', () => {
    const before = cacheRow()[0];
    const no = tsbuild(root, ['builder', 'prune', '-a'], 'n\n');
    expect(no.code).toBe(0);
    expect(no.stdout).toBe('WARNING! This will remove all build cache. Are you sure you want to continue? [y/N] ');
    expect(cacheRow()[0]).toBe(before);
    const dangling = tsbuild(root, ['builder', 'prune'], 'n\n');
    expect(dangling.stdout).toBe('WARNING! This will remove all dangling build cache. Are you sure you want to continue? [y/N] ');
  });

  it('--filter until and --keep-storage limit what goes', () => {
    const before = cacheRow()[0];
    expect(tsbuildOk(root, ['builder', 'prune', '-a', '-f', '--filter', 'until=1h'])).toBe('Total reclaimed space: 0B\n');
    expect(tsbuildOk(root, ['builder', 'prune', '-a', '-f', '--keep-storage', '1GB'])).toBe('Total reclaimed space: 0B\n');
    expect(cacheRow()[0]).toBe(before);
    const bad = tsbuild(root, ['builder', 'prune', '-f', '--filter', 'label=x']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("invalid filter 'label'");
    // until=0s: everything unused for at least no time at all.
    tsbuildOk(root, ['builder', 'prune', '-a', '-f', '--filter', 'until=0s']);
    expect(cacheRow()[0]).toBe('0');
  });

  it('a build starts the default collection in the background once an hour: results unused for 60 days go', async () => {
    const dir = project('auto', 'auto\n', steps);
    build(dir, 'auto:1');
    const recordsDir = join(root, 'cache', 'build', 'records');
    const records = readdirSync(recordsDir);
    expect(records.length).toBeGreaterThanOrEqual(3);
    // A record's mtime is its last use: every result but those of another build is now 61 days unused.
    const longAgo = new Date(Date.now() - 61 * 24 * 60 * 60 * 1000);
    for (const name of records) utimesSync(join(recordsDir, name), longAgo, longAgo);
    const hourAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(join(root, 'cache', 'gc.stamp'), hourAgo, hourAgo);
    const other = project('auto-other', 'other\n', 'FROM busybox\nCOPY file.txt /other.txt\n');
    build(other, 'auto-other:1');
    for (let waited = 0; readdirSync(recordsDir).some((name) => records.includes(name)) && waited < 15_000; waited += 100) await sleep(100);
    expect(readdirSync(recordsDir).filter((name) => records.includes(name))).toEqual([]);
    expect(readdirSync(recordsDir).length).toBeGreaterThan(0); // the other build's result was used just now
    expect(build(other, 'auto-other:1')).toBe(0);
    expect(tsbuildOk(root, ['run', '--rm', 'auto:1'])).toBe('auto\nauto\n');
    // The collection's second pass (keep-storage) may still run: the next test wants the cache to itself.
    const collecting = (): boolean => spawnSync('pgrep', ['-f', `${root} builder prune --auto`]).status === 0;
    for (let waited = 0; collecting() && waited < 15_000; waited += 100) await sleep(100);
    expect(collecting()).toBe(false);
    checkStoreConsistent(root);
    tsbuildOk(root, ['builder', 'prune', '-a', '-f']);
  });

  it('a prune while a build runs leaves the build whole', async () => {
    const dir = project('concurrent', 'during\n', 'FROM busybox\nRUN echo early > /early\nCOPY file.txt /file.txt\nRUN sleep 3 && cat /early /file.txt > /out\nCMD ["cat", "/out"]\n');
    const child = spawn(process.execPath, [cliPath, '--root', root, 'build', '-t', 'concurrent', '--progress', 'plain', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Prune once the slow RUN has started: the results before it are this build's to keep.
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (stderr.includes('RUN sleep 3')) {
          clearInterval(poll);
          resolve();
        }
      }, 50);
      child.on('exit', () => {
        clearInterval(poll);
        reject(new Error(`build ended before its slow step:\n${stderr}`));
      });
    });
    const pruned = tsbuildOk(root, ['builder', 'prune', '-a', '-f']);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(pruned).not.toContain('Deleted build cache objects'); // the running build leased all there was
    expect(tsbuildOk(root, ['run', '--rm', 'concurrent'])).toBe('early\nduring\n');
    checkStoreConsistent(root);
  });
});
