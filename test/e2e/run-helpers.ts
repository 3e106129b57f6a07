// Shared by the `tsbuild run` e2e suites: the real CLI against a per-file state root with the busybox
// base imported, and the checks that nothing of a container is left behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config.js';
import { openEngine } from '../../src/engine.js';
import { openRuntime } from '../../src/engine-runtime.js';
import { cliPath, repoRoot } from '../helpers/paths.js';

export const busyboxTar = join(repoRoot, '.tsbuild-bases', 'busybox.tar');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function tsbuild(root: string, args: string[], input?: string): CliResult {
  const result = spawnSync(process.execPath, [cliPath, '--root', root, ...args], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

export function tsbuildOk(root: string, args: string[], input?: string): string {
  const result = tsbuild(root, args, input);
  if (result.code !== 0) throw new Error(`tsbuild ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** Starts the CLI without waiting (for signals and streaming). */
export function tsbuildSpawn(root: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [cliPath, '--root', root, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** A fresh state root with busybox imported as `bb:1` (plus `changes` as image config). */
export async function makeStateRoot(name: string): Promise<{ dir: string; root: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `tsbuild-e2e-${name}-`));
  const root = join(dir, 'state');
  return {
    dir,
    root,
    cleanup: async () => {
      // Whatever a failed test left: containers (and their sandboxes) first, then the files.
      if (existsSync(cliPath)) tsbuild(root, ['rm', '-f', ...tsbuild(root, ['ps', '-aq', '--no-trunc']).stdout.split('\n').filter(Boolean)]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** What is left of containers under `root`: records, runc state, mounts, tsbuild network devices. */
export function leftovers(root: string): string[] {
  const found: string[] = [];
  const containers = join(root, 'containers');
  if (existsSync(containers)) found.push(...readdirSync(containers).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `container record ${n}`));
  const runc = spawnSync('runc', ['--root', join(root, 'runc'), 'list', '-q'], { encoding: 'utf8' });
  found.push(...runc.stdout.split('\n').filter(Boolean).map((id) => `runc container ${id}`));
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((line) => line.includes(root));
  found.push(...mounts.map((m) => `mount ${m.split(' ')[4]}`));
  return found;
}

/** Network namespaces and veths, to compare before and after a suite. */
export function networkDevices(): string[] {
  const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  const veths = spawnSync('ip', ['-o', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map((l) => l.split(':')[1]?.trim() ?? l);
  return [...netns.map((n) => `netns ${n}`), ...veths.map((v) => `veth ${v}`)];
}

/**
 * Network devices present now and not in `before`, once they settle: the kernel drops a deleted namespace's
 * veth a few ms after `ip netns del`. Devices that went away meanwhile (other test files' containers) are not ours.
 */
export async function devicesAddedSince(before: string[], waitMs = 3000): Promise<string[]> {
  const known = new Set(before);
  let added = networkDevices().filter((device) => !known.has(device));
  for (let waited = 0; added.length > 0 && waited < waitMs; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    added = networkDevices().filter((device) => !known.has(device));
  }
  return added;
}

/** Reasons the runtime cannot run containers here: the built CLI, root + runc, and the sandbox wired into the engine. */
export async function runtimeMissing(): Promise<string[]> {
  const missing: string[] = [];
  if (!existsSync(cliPath)) missing.push(`the built CLI at ${cliPath} (npm run build)`);
  const dir = await mkdtemp(join(tmpdir(), 'tsbuild-probe-'));
  try {
    await openRuntime(await openEngine(resolveConfig({ root: dir })));
  } catch (err) {
    missing.push(`the container runtime (src/engine-runtime.ts) (${(err as Error).message})`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return missing;
}
