// `tsbuild run --rm <busybox> true` latency beside its floor, `runc run` of a prepared bundle (and, with
// --peers, `docker run --rm` on a private Docker daemon), plus the CLI startup every command pays and bare
// node's. Medians of repeated runs on a temp state root, through the `tsbuild` command users run. Node 20
// reads NODE_EXTRA_CA_CERTS (a whole CA bundle) eagerly at startup, which costs tens of ms per process (the
// `tsbuild` script keeps it from node): when it is set, the rows are repeated without it, for comparison.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, tsbuildCommand } from '../test/helpers/paths.js';
import type { DockerPeer } from './peers/docker.js';
import type { BenchOptions } from './run.js';
import type { BenchRow } from './table.js';

const busyboxTar = join(repoRoot, '.tsbuild-bases', 'busybox.tar');
const rounds = 20;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Median wall time of `command args` in ms; throws when a round fails. */
function timeCommand(command: string, args: (round: number) => string[], env: NodeJS.ProcessEnv = process.env): number {
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args(round), { stdio: ['ignore', 'ignore', 'pipe'], env });
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

/** `docker run --rm` of the same rootfs on the private peer daemon (bench/peers/docker.ts). */
function timeDocker(docker: DockerPeer): number {
  docker.docker(['import', busyboxTar, 'tsbuild-bench-busybox:1']);
  try {
    return timeCommand(docker.client, () => ['run', '--rm', 'tsbuild-bench-busybox:1', 'true'], docker.env);
  } finally {
    docker.dockerStatus(['rmi', 'tsbuild-bench-busybox:1']);
  }
}

/** The node-startup rows (bare node, --version, run) in one environment, and the run median on its own. */
function startupRows(root: string, floor: number, env: NodeJS.ProcessEnv, label: string): { rows: BenchRow[]; run: number } {
  const row = (what: string, value: number, extra: Partial<BenchRow> = {}): BenchRow => ({ suite: 'run', case: `${what}${label}`, unit: 'ms (median)', tsbuild: value, ...extra });
  const run = timeCommand(tsbuildCommand, () => ['--root', root, 'run', '--rm', 'bb:1', 'true'], env);
  const rows = [
    row('bare node startup (`node -e 0`)', timeCommand(process.execPath, () => ['-e', '0'], env)),
    row('CLI startup (`tsbuild --version`)', timeCommand(tsbuildCommand, () => ['--version'], env)),
    row('`run --rm busybox true`', run, { peer: { name: 'runc run (floor)', value: floor }, note: 'goal ≤ 150 ms' }),
  ];
  return { rows, run };
}

export async function runRunBench(options: BenchOptions = { peers: false }): Promise<BenchRow[]> {
  if (!existsSync(tsbuildCommand)) throw new Error(`run bench needs the built CLI at ${tsbuildCommand} (npm run build)`);
  const dir = await mkdtemp(join(tmpdir(), 'tsbuild-bench-run-'));
  try {
    const root = join(dir, 'state');
    execFileSync(tsbuildCommand, ['--root', root, 'import', busyboxTar, 'bb:1'], { stdio: 'ignore' });
    const floor = await timeRuncFloor(dir);
    const probe = spawnSync(tsbuildCommand, ['--root', root, 'run', '--rm', 'bb:1', 'true'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      return [{ suite: 'run', case: '`runc run` of a prepared bundle (floor)', unit: 'ms (median)', tsbuild: floor, note: `tsbuild run failed: ${probe.stderr.trim()}` }];
    }
    const asIs = startupRows(root, floor, process.env, '');
    const rows = [...asIs.rows];
    if (process.env['NODE_EXTRA_CA_CERTS'] !== undefined) {
      const { NODE_EXTRA_CA_CERTS: _caBundle, ...withoutCaBundle } = process.env;
      rows.push(...startupRows(root, floor, withoutCaBundle, ', NODE_EXTRA_CA_CERTS unset').rows);
    }
    if (options.peers) {
      const peer = options.docker === undefined ? { note: 'no Docker daemon could be started' } : { peer: { name: `docker run (dockerd ${options.docker.version})`, value: timeDocker(options.docker) } };
      rows.push({ suite: 'run', case: '`run --rm busybox true` beside `docker run --rm` (both on their default bridge)', unit: 'ms (median)', tsbuild: asIs.run, ...peer });
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export { runRunBench as run };
