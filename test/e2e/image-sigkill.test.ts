// SIGKILL in the middle of `load` and `import`: no partial blob becomes visible and no tag points at
// missing content; the next command works on the same root.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf } from '../helpers/capabilities.js';
import { cliPath } from '../helpers/paths.js';
import { buildTar } from '../snapshot/tar-fixtures.js';
import { checkStoreConsistent, cliBuilt, strayIngests, tsbuildOk } from './image-helpers.js';

let dir: string;
let root: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-e2e-sigkill-'));
  root = join(dir, 'state');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Starts the CLI reading `input` from stdin, feeds it half, waits for an ingest to start, then SIGKILLs it. */
async function killMidway(args: string[], input: Buffer): Promise<void> {
  const child = spawn(process.execPath, [cliPath, '--root', root, ...args], { stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.stdin.on('error', () => undefined);
  child.stdin.write(input.subarray(0, input.length / 2));
  for (let i = 0; i < 200 && strayIngests(root).length === 0; i++) await new Promise((r) => setTimeout(r, 25));
  expect(strayIngests(root).length).toBeGreaterThan(0);
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

describeIf('SIGKILL during load and import', cliBuilt(), () => {
  it('leaves no visible partial blob and no dangling tag', async () => {
    const layer = await buildTar([{ name: 'big', body: randomBytes(24 << 20) }]);
    await killMidway(['import', '-', 'killed:1'], layer);
    checkStoreConsistent(root);
    expect(tsbuildOk(root, ['images', '-q'])).toBe('');

    // A full archive of the same layer, killed while its layer blob streams in.
    const archivePath = join(dir, 'whole.tar');
    tsbuildOk(root, ['import', '-', 'whole:1'], layer);
    tsbuildOk(root, ['save', '-o', archivePath, 'whole:1']);
    tsbuildOk(root, ['rmi', 'whole:1']);
    await killMidway(['load'], await readFile(archivePath));
    checkStoreConsistent(root);
    expect(tsbuildOk(root, ['images', '-q'])).toBe('');

    // The same root keeps working.
    expect(tsbuildOk(root, ['load', '-i', archivePath])).toBe('Loaded image: whole:1\n');
    checkStoreConsistent(root);
  });
});
