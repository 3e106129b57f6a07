// `tsbuild run` under load: 100 MB through a pipe byte for byte with flat memory, and 50 runs — some of
// them SIGKILLed midway — after which the next commands recover and nothing is left behind.
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { busyboxTar, devicesAddedSince, exited, leftovers, makeStateRoot, networkDevices, runtimeMissing, tsbuild, tsbuildOk, tsbuildSpawn } from './run-helpers.js';

const missing = [...sandboxMissing(), ...(await runtimeMissing())];
let state: Awaited<ReturnType<typeof makeStateRoot>>;
let root: string;

beforeAll(async () => {
  state = await makeStateRoot('run-reliability');
  root = state.root;
  if (missing.length === 0) tsbuildOk(root, ['import', busyboxTar, 'bb:1']);
});
afterAll(() => state.cleanup());

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Peak resident memory of a running process (VmHWM), in bytes. */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

describeIf('tsbuild run reliability (CLI, real runc)', missing, () => {
  it('streams 100 MB of binary output intact with flat memory, and as much input back', async () => {
    const data = join(state.dir, 'random.bin');
    const bytes = Buffer.alloc(100 << 20);
    for (let offset = 0; offset < bytes.length; offset += 65536) bytes.set(createHash('sha512').update(String(offset)).digest(), offset);
    await writeFile(data, bytes);
    const expected = await sha256File(data);

    const child = tsbuildSpawn(root, ['run', '--rm', '-i', 'bb:1', 'cat']);
    const hash = createHash('sha256');
    let peak = 0;
    const sampler = setInterval(() => void peakRss(child.pid as number).then((rss) => (peak = Math.max(peak, rss))), 50);
    child.stdout?.on('data', (chunk: Buffer) => hash.update(chunk));
    createReadStream(data).pipe(child.stdin as NodeJS.WritableStream);
    const end = await exited(child);
    clearInterval(sampler);
    expect(end).toEqual({ code: 0, signal: null });
    expect(hash.digest('hex')).toBe(expected);
    expect(peak).toBeLessThan(150 << 20);
  });

  it('leaves nothing when a run fails before or while its sandbox starts (its network is begun early)', async () => {
    const devicesBefore = networkDevices();
    expect(tsbuild(root, ['run', '--rm', 'nosuch:1', 'true']).code).toBe(125);
    expect(tsbuild(root, ['run', '--rm', '-v', `${join(state.dir, 'absent')}:/x`, 'bb:1', 'true']).code).toBe(125);
    expect(tsbuild(root, ['run', '--rm', '-u', 'nobody-here', 'bb:1', 'true']).code).toBe(125);
    expect(leftovers(root)).toEqual([]);
    expect(readdirSync(join(root, 'tmp', 'sandboxes'))).toEqual([]);
    expect(await devicesAddedSince(devicesBefore)).toEqual([]);
  });

  it('leaves nothing after 50 runs, some of them SIGKILLed midway', async () => {
    const devicesBefore = networkDevices();
    for (let i = 0; i < 50; i++) {
      if (i % 5 === 4) {
        const child = tsbuildSpawn(root, ['run', ...(i % 10 === 4 ? ['--rm'] : []), 'bb:1', 'sleep', '30']);
        await new Promise((resolve) => setTimeout(resolve, 400));
        child.kill('SIGKILL');
        await exited(child);
      } else {
        expect(tsbuild(root, ['run', '--rm', 'bb:1', 'sh', '-c', `exit ${i % 3}`]).code).toBe(i % 3);
      }
    }
    // The next command finds the containers of killed `tsbuild run`s and reclaims their sandboxes.
    const listed = tsbuildOk(root, ['ps', '-a', '--no-trunc', '-q']).split('\n').filter(Boolean);
    expect(listed.length).toBeLessThanOrEqual(5);
    if (listed.length > 0) expect(tsbuildOk(root, ['rm', '-f', ...listed]).split('\n').filter(Boolean)).toHaveLength(listed.length);
    expect(leftovers(root)).toEqual([]);
    expect(await devicesAddedSince(devicesBefore)).toEqual([]);
  });
});
