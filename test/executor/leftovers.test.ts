// After many sandboxes — finished, failing, aborted, SIGKILLed, and ones whose node process was killed —
// nothing is left: no mounts, runc containers, netns, veths, cgroups, bundles or address allocations.
// Also proves that `system check` finds planted leftovers and --clean removes them.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { findLeftovers, removeLeftovers } from '../../src/executor/leftovers.js';
import { sandboxPaths, sandboxRegistry } from '../../src/executor/runc.js';
import { runCommand } from '../../src/snapshot/command.js';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { repoRoot } from '../helpers/paths.js';
import { openSandboxFixture, type SandboxFixture } from './sandbox-fixture.js';

async function runcList(root: string): Promise<string[]> {
  const { stdout } = await runCommand('runc', ['--root', sandboxPaths(root).runtimeRoot, 'list', '-q']);
  return stdout.split('\n').filter(Boolean);
}

/** Host-wide things named after sandboxes whose id contains `marker`. */
async function hostTraces(marker: string): Promise<string[]> {
  const { stdout: netns } = await runCommand('ip', ['netns', 'list']);
  const { stdout: cgroups } = await runCommand('sh', ['-c', `ls -d /sys/fs/cgroup/*/tsbuild/*${marker}* 2>/dev/null || true`]);
  return [...netns.split('\n').filter((line) => line.includes(marker)), ...cgroups.split('\n').filter(Boolean)];
}

/** Starts the child node process holding a sandbox, waits for "ready", then SIGKILLs the node process. */
async function killNodeMidRun(root: string, id: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/executor/fixtures/hold-sandbox.ts'), root, id], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
    child.on('exit', () => reject(new Error(`child exited before ready: ${errors}`)));
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('close', resolve));
}

describeIf('sandbox leftovers', sandboxMissing(), () => {
  let sandbox: SandboxFixture;
  beforeAll(async () => {
    sandbox = await openSandboxFixture();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('leaves nothing behind after 200 runs of every kind', { timeout: 120_000 }, async () => {
    const marker = `-${process.pid}-`;
    const kinds = Array.from({ length: 197 }, (_, i) => i);
    const worker = async (slot: number): Promise<void> => {
      for (let i = slot; i < kinds.length; i += 4) {
        if (i % 10 === 3) {
          const controller = new AbortController();
          setTimeout(() => controller.abort(), 30 + (i % 7) * 20);
          const result = await sandbox.run(['sleep', '30'], { signal: controller.signal });
          expect(result.signal).toBe('SIGKILL');
        } else if (i % 10 === 7) {
          await expect(sandbox.run(['/no/such/program'])).rejects.toThrow(UserError);
        } else {
          const result = await sandbox.run(['sh', '-c', `echo run ${i}; exit ${i % 3}`], { network: i % 5 === 0 ? 'bridge' : 'none' });
          expect(result).toMatchObject({ exitCode: i % 3, stdout: `run ${i}\n` });
        }
      }
    };
    // allSettled: a failing run must not end the test while the other workers still have sandboxes up.
    const outcomes = await Promise.allSettled([0, 1, 2, 3].map(worker));
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    for (let n = 0; n < 3; n++) await killNodeMidRun(sandbox.root, `killed${marker}${n}`);

    // Other test files run sandboxes at the same time: only look at what this file's runs could leave.
    const ours = async (): Promise<string[]> =>
      (await findLeftovers(sandbox.root))
        .map((item) => `${item.kind} ${item.name}`)
        .filter((text) => text.includes(sandbox.root) || text.includes(String(process.pid)) || text.includes('killed-'));
    // The guard of a killed node process cleans up asynchronously: give it a moment.
    for (let wait = 0; wait < 100 && ((await runcList(sandbox.root)).length > 0 || (await ours()).length > 0); wait++) await sleep(100);
    expect(await runcList(sandbox.root)).toEqual([]);
    expect(await ours()).toEqual([]);
    expect(await hostTraces(marker)).toEqual([]);
    const { stdout: mounts } = await runCommand('sh', ['-c', `grep -F ${sandbox.root} /proc/self/mountinfo || true`]);
    expect(mounts).toBe('');
  });

  it('lists planted leftovers and removes them with clean', async () => {
    const { sandboxes, network } = sandboxPaths(sandbox.root);
    const id = `stale-${process.pid}`;
    await mkdir(join(sandboxes, id, 'rootfs'), { recursive: true });
    await writeFile(join(sandboxRegistry, id), '999999999');
    await runCommand('mount', ['-t', 'tmpfs', 'tmpfs', join(sandboxes, id, 'rootfs')]);
    await mkdir(join(network, 'ips'), { recursive: true });
    await writeFile(join(network, 'ips', '10.250.0.9'), id);
    await runCommand('ip', ['netns', 'add', `tsbuild-${id}`]);
    await mkdir(`/sys/fs/cgroup/pids/tsbuild/${id}`, { recursive: true });
    // Other test files run sandboxes at the same time: only look at the planted ones.
    const found = (await findLeftovers(sandbox.root)).filter((item) => item.name.includes(id));
    expect(found.map((item) => `${item.kind} ${item.name}`).sort()).toEqual(
      [
        `address 10.250.0.9 (${id})`,
        `bundle ${join(sandboxes, id)}`,
        `cgroup /sys/fs/cgroup/pids/tsbuild/${id}`,
        `mount ${join(sandboxes, id, 'rootfs')}`,
        `netns tsbuild-${id}`,
        `registration ${id}`,
      ].sort(),
    );
    await removeLeftovers(found);
    expect((await findLeftovers(sandbox.root)).filter((item) => item.name.includes(id))).toEqual([]);
  });
});
