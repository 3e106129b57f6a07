import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockHeldError, lockState } from '../../src/snapshot/state-lock.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-lock-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const once = { retries: 0, minTimeout: 0, maxTimeout: 0 };

describe('lockState', () => {
  it('excludes a second holder in the same process until the first releases', async () => {
    const file = join(dir, 'same-process.lock');
    const release = await lockState(file, once);
    await expect(lockState(file, once)).rejects.toBeInstanceOf(LockHeldError);
    let secondTook = false;
    const second = lockState(file, { forever: true, minTimeout: 5, maxTimeout: 20 }).then((releaseSecond) => {
      secondTook = true;
      return releaseSecond;
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(secondTook).toBe(false);
    await release();
    await (await second)();
    expect(secondTook).toBe(true);
  });

  it('is freed by the kernel when its holder is killed, and takes over a legacy lock directory', async () => {
    const file = join(dir, 'killed.lock');
    // A holder in another process: flock(1) takes the lock and becomes `sleep` (--no-fork), which holds it.
    const holder = spawn('flock', ['--no-fork', '-x', file, 'sleep', '30'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if ((await stat(file).catch(() => undefined)) !== undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(lockState(file, { retries: 2, minTimeout: 10, maxTimeout: 20 })).rejects.toThrow(/locked by another tsbuild process/);
    const exited = new Promise((resolve) => holder.on('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    await (await lockState(file, { retries: 20, minTimeout: 10, maxTimeout: 50 }))();

    const legacy = join(dir, 'legacy.lock');
    await mkdir(legacy);
    await (await lockState(legacy, once))();
    expect((await stat(legacy)).isFile()).toBe(true);
  });
});
