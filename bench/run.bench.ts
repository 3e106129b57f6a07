// `tsbuild run --rm <busybox> true` latency beside its floor, `runc run` of a prepared bundle, plus the
// bare CLI startup that every command pays. Medians of repeated runs on a temp state root.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, repoRoot } from '../test/helpers/paths.js';
import type { BenchRow } from './table.js';

const busyboxTar = join(repoRoot, '.tsbuild-bases', 'busybox.tar');
const rounds = 20;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Median wall time of `command args` in ms; throws when a round fails. */
function timeCommand(command: string, args: (round: number) => string[]): number {
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args(round), { stdio: ['ignore', 'ignore', 'pipe'] });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0) throw new Error(`${command} ${args(round).join(' ')} failed: ${String(result.stderr)}`);
  }
  return median(times);
}

/** The floor: `runc run` of a bundle made once from the busybox rootfs. */
async function timeRuncFloor(dir: string): Promise<number> {
  const bundle = join(dir, 'bundle');
  await mkdir(join(bundle, 'rootfs'), { recursive: true });
  execFileSync('tar', ['-xf', busyboxTar, '-C', join(bundle, 'rootfs')]);
  execFileSync('runc', ['spec', '--bundle', bundle]);
  const configPath = join(bundle, 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as { process: { terminal: boolean; args: string[] } };
  config.process.terminal = false;
  config.process.args = ['true'];
  await writeFile(configPath, JSON.stringify(config));
  const runcRoot = join(dir, 'runc');
  return timeCommand('runc', (round) => ['--root', runcRoot, 'run', '--bundle', bundle, `bench-floor-${round}`]);
}

export async function runRunBench(): Promise<BenchRow[]> {
  if (!existsSync(cliPath)) throw new Error(`run bench needs the built CLI at ${cliPath} (npm run build)`);
  const dir = await mkdtemp(join(tmpdir(), 'tsbuild-bench-run-'));
  try {
    const root = join(dir, 'state');
    const rows: BenchRow[] = [
      { suite: 'run', case: 'CLI startup (`tsbuild --version`)', unit: 'ms (median)', tsbuild: timeCommand(process.execPath, () => [cliPath, '--version']) },
    ];
    execFileSync(process.execPath, [cliPath, '--root', root, 'import', busyboxTar, 'bb:1'], { stdio: 'ignore' });
    const floor = await timeRuncFloor(dir);
    const probe = spawnSync(process.execPath, [cliPath, '--root', root, 'run', '--rm', 'bb:1', 'true'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      rows.push({ suite: 'run', case: '`runc run` of a prepared bundle (floor)', unit: 'ms (median)', tsbuild: floor, note: `tsbuild run failed: ${probe.stderr.trim()}` });
      return rows;
    }
    const run = timeCommand(process.execPath, () => [cliPath, '--root', root, 'run', '--rm', 'bb:1', 'true']);
    rows.push({ suite: 'run', case: '`run --rm busybox true`', unit: 'ms (median)', tsbuild: run, peer: { name: 'runc run (floor)', value: floor }, note: 'goal ≤ 150 ms' });
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export { runRunBench as run };
