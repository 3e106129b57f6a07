// The Docker peer for `npm run bench -- --peers`: Debian's docker.io (dockerd 20.10 with BuildKit built
// in), installed on demand and started privately — its own data, exec root and socket under a temp dir —
// with every host-wide side effect off (no iptables or ip_forward changes, no masquerading), so
// tsbuild's own bridge NAT and anything else on the machine is left as it was. Stopped after the bench.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DockerPeer {
  /** Debian's docker client and the environment that points it at the private daemon (BuildKit on). */
  client: string;
  env: NodeJS.ProcessEnv;
  /** Runs Debian's docker client against the private daemon; throws when it fails. */
  docker(args: string[], cwd?: string): string;
  /** The same, returning the exit status instead of throwing. */
  dockerStatus(args: string[], cwd?: string): number | null;
  version: string;
  stop(): Promise<void>;
}

const client = '/usr/bin/docker';
const policyRcD = '/usr/sbin/policy-rc.d';

/** apt-get install docker.io, with a policy-rc.d that keeps the package from starting the system daemon. */
function ensureInstalled(): void {
  if (existsSync('/usr/sbin/dockerd') && existsSync(client)) return;
  const ownPolicy = !existsSync(policyRcD);
  if (ownPolicy) writeFileSync(policyRcD, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'docker.io'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } finally {
    if (ownPolicy) rmSync(policyRcD, { force: true });
  }
}

/** Starts the private dockerd; undefined (with the reason on stderr) when it cannot be had. */
export async function startDockerPeer(): Promise<DockerPeer | undefined> {
  try {
    ensureInstalled();
  } catch (err) {
    process.stderr.write(`bench: --peers: installing docker.io failed: ${(err as Error).message}\n`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tsbuild-bench-dockerd-'));
  const socket = join(dir, 'docker.sock');
  const daemon = spawn(
    '/usr/sbin/dockerd',
    [
      '--iptables=false',
      '--ip-forward=false',
      '--ip-masq=false',
      // A bridge of its own on a range tsbuild does not use; no NAT is set up for it.
      '--bip=10.213.0.1/24',
      `--data-root=${join(dir, 'data')}`,
      `--exec-root=${join(dir, 'exec')}`,
      `--pidfile=${join(dir, 'docker.pid')}`,
      `--host=unix://${socket}`,
    ],
    { stdio: 'ignore' },
  );
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_BUILDKIT: '1' };
  const run = (args: string[], cwd?: string) => spawnSync(client, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const stop = async (): Promise<void> => {
    daemon.kill('SIGTERM');
    for (let i = 0; i < 100 && daemon.exitCode === null && daemon.signalCode === null; i++) await sleep(100);
    if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    // The daemon leaves its overlay mounts (data root) and its default netns mount (exec root) behind when
    // killed; lazy unmounts clear them, or the removal below fails with EBUSY.
    for (const root of ['data', 'exec']) spawnSync('umount', ['-R', '-l', join(dir, root)], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', 'docker0'], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 100; i++) {
    if (run(['version', '--format', '{{.Server.Version}}']).status === 0) break;
    await sleep(100);
  }
  const probe = run(['version', '--format', '{{.Server.Version}}']);
  if (probe.status !== 0) {
    process.stderr.write(`bench: --peers: dockerd did not answer: ${probe.stderr.trim()}\n`);
    await stop();
    return undefined;
  }
  return {
    client,
    env,
    version: probe.stdout.trim(),
    docker(args, cwd) {
      const result = run(args, cwd);
      if (result.status !== 0) throw new Error(`docker ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
      return result.stdout;
    },
    dockerStatus: (args, cwd) => run(args, cwd).status,
    stop,
  };
}
