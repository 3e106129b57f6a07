// Replayed no-op builds (src/cli/build-replay.ts) through the real CLI: a build whose inputs are all as the last
// one left them is answered from its replay record with the very output a build would print, and every change
// that could make a build differ (context, Dockerfile, ignore rules, base image, tags, environment, a prune)
// makes it build for real. Whether an answer was replayed shows by moving the snapshots away: a real build
// would then run its steps again, a replay never looks at them.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { repoRoot } from '../helpers/paths.js';
import { cliBuilt, executedSteps, tsbuildSucceeds, type CliResult } from './image-helpers.js';

let work: string;
let root: string;

function tsbuild(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  return tsbuildSucceeds(root, args, env);
}

/** Runs `body` with the snapshots out of reach: a build that is not replayed then has to run its steps. */
function withoutSnapshots<T>(body: () => T): T {
  const snapshots = join(root, 'snapshots');
  renameSync(snapshots, `${snapshots}.away`);
  try {
    return body();
  } finally {
    rmSync(snapshots, { recursive: true, force: true });
    renameSync(`${snapshots}.away`, snapshots);
  }
}

/** A context whose files are older than the racy window, so that a build may keep a replay record of it. */
async function project(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(work, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  await sleep(250);
  return dir;
}

const dockerfile = 'FROM busybox\nWORKDIR /app\nCOPY app.sh .\nRUN cat app.sh > copy.sh\nCMD ["sh", "/app/copy.sh"]\n';
const plain = (dir: string, tag: string): string[] => ['build', '--progress', 'plain', '-t', tag, dir];

const missing = [...sandboxMissing(), ...cliBuilt()];

describeIf('replayed no-op builds', missing, () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'tsbuild-e2e-replay-'));
    root = join(work, 'root');
    tsbuild(['import', join(repoRoot, '.tsbuild-bases', 'busybox.tar'), 'busybox:latest']);
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('answers a build with nothing changed from its record, printing what the build prints, -q and --iidfile included', async () => {
    const dir = await project('same', { Dockerfile: dockerfile, 'app.sh': 'echo same\n' });
    const first = tsbuild(plain(dir, 'same'));
    expect(executedSteps(first.stderr)).toHaveLength(3);
    const built = tsbuild(plain(dir, 'same'), { TSBUILD_REPLAY: '0' });
    const replayed = withoutSnapshots(() => tsbuild(plain(dir, 'same')));
    expect(replayed).toEqual(built);
    expect(replayed.stderr).toContain('#4 [4/4] RUN cat app.sh > copy.sh\n#4 CACHED\n');

    const quiet = ['build', '-q', '--iidfile', join(work, 'iid'), '-t', 'same', dir];
    const quietBuilt = tsbuild(quiet);
    rmSync(join(work, 'iid'));
    const quietReplayed = withoutSnapshots(() => tsbuild(quiet));
    expect(quietReplayed).toEqual(quietBuilt);
    expect(readFileSync(join(work, 'iid'), 'utf8')).toBe(quietBuilt.stdout.trim());
  });

  it('builds when a context file, the Dockerfile or the context listing changed, and not for ignored files', async () => {
    const dir = await project('changes', { Dockerfile: dockerfile, 'app.sh': 'echo one\n', '.dockerignore': 'logs\n', 'logs/a.log': 'a\n' });
    tsbuild(plain(dir, 'changes'));
    tsbuild(plain(dir, 'changes'));
    // An ignored file cannot change the build.
    writeFileSync(join(dir, 'logs', 'a.log'), 'b\n');
    withoutSnapshots(() => tsbuild(plain(dir, 'changes')));

    // Same size, mtime put back: the ctime still tells.
    writeFileSync(join(dir, 'app.sh'), 'echo two\n');
    utimesSync(join(dir, 'app.sh'), 1_600_000_000, 1_600_000_000);
    await sleep(250);
    expect(executedSteps(tsbuild(plain(dir, 'changes')).stderr)).toEqual(['[3/4] COPY app.sh .', '[4/4] RUN cat app.sh > copy.sh']);
    tsbuild(plain(dir, 'changes'));

    writeFileSync(join(dir, 'new.txt'), 'new\n');
    await sleep(250);
    const listed = tsbuild(plain(dir, 'changes'));
    expect(executedSteps(listed.stderr)).toEqual([]);
    expect(listed.stderr.match(/CACHED/g)).toHaveLength(3);

    writeFileSync(join(dir, 'Dockerfile'), dockerfile.replace('copy.sh', 'kopy.sh'));
    await sleep(250);
    expect(executedSteps(tsbuild(plain(dir, 'changes')).stderr)).toEqual(['[4/4] RUN cat app.sh > kopy.sh']);
  });

  it('builds when the tag, the base image, the cache or the environment is not what the record says', async () => {
    const dir = await project('state', { Dockerfile: dockerfile, 'app.sh': 'echo state\n' });
    tsbuild(plain(dir, 'state'));
    tsbuild(plain(dir, 'state'));

    tsbuild(['rmi', 'state']);
    const retagged = tsbuild(plain(dir, 'state'));
    expect(executedSteps(retagged.stderr)).toEqual([]);
    expect(tsbuild(['images', '-q', 'state']).stdout).not.toBe('');

    // Untagged, the image itself is what must still be there (the build cache keeps its blobs past an rmi).
    const untagged = ['build', '-q', '--label', 'untagged=1', dir];
    const untaggedId = tsbuild(untagged).stdout.trim();
    tsbuild(untagged);
    tsbuild(['rmi', untaggedId]);
    expect(tsbuild(untagged).stdout.trim()).toBe(untaggedId);
    tsbuild(['inspect', untaggedId]);

    const quiet = ['build', '-q', '-t', 'state', dir];
    const id = tsbuild(quiet).stdout;
    expect(tsbuild(quiet).stdout).toBe(id);
    expect(tsbuild(quiet, { SOURCE_DATE_EPOCH: '1700000000' }).stdout).not.toBe(id);

    // A corrupt cache record is a miss for a build, so for the replay too.
    const records = join(root, 'cache', 'build', 'records');
    for (const name of readdirSync(records)) writeFileSync(join(records, name), '{');
    expect(executedSteps(tsbuild(plain(dir, 'state')).stderr)).toHaveLength(3);

    // The kept Dockerfile parses go with a prune that frees anything, and come back with the next build.
    const parses = join(root, 'cache', 'parsed');
    expect(readdirSync(parses).length).toBeGreaterThan(0);
    tsbuild(['builder', 'prune', '-af']);
    expect(existsSync(parses)).toBe(false);
    expect(executedSteps(tsbuild(plain(dir, 'state')).stderr)).toHaveLength(3);
    expect(readdirSync(parses).length).toBeGreaterThan(0);
    expect(readdirSync(join(root, 'cache', 'replay')).length).toBeGreaterThan(0);

    // Same layers, another config: the steps keyed by the filesystem stay cached, the RUN sees the new ENV.
    tsbuild(['import', '-c', 'ENV REIMPORTED=1', join(repoRoot, '.tsbuild-bases', 'busybox.tar'), 'busybox:latest']);
    expect(executedSteps(tsbuild(plain(dir, 'state')).stderr)).toEqual(['[4/4] RUN cat app.sh > copy.sh']);
  });
});
