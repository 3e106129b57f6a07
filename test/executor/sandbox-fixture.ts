// A real sandbox setup for executor tests: a temp state root, an overlay snapshotter with the busybox
// base extracted (system tar, until the layer-apply code lands) and helpers to run one command.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { statePaths } from '../../src/config.js';
import type { ExecResult, SandboxSpec } from '../../src/executor/executor.js';
import { findLeftovers, removeLeftovers } from '../../src/executor/leftovers.js';
import { RuncExecutor, type OciRuntime } from '../../src/executor/runc.js';
import { runCommand } from '../../src/snapshot/command.js';
import { mountAll, unmount } from '../../src/snapshot/mount.js';
import { OverlaySnapshotter } from '../../src/snapshot/overlay.js';
import type { Snapshotter } from '../../src/snapshot/snapshotter.js';
import { repoRoot } from '../helpers/paths.js';

export const busyboxTar = join(repoRoot, '.tsbuild-bases', 'busybox.tar');
export const baseName = 'busybox';

export interface SandboxFixture {
  root: string;
  snapshotter: OverlaySnapshotter;
  executor: RuncExecutor;
  /** Runs `args` in a fresh snapshot of the busybox base, collecting output; the snapshot is removed after. */
  run(args: string[], overrides?: Partial<SandboxSpec> & { signal?: AbortSignal; runtime?: OciRuntime; stdin?: Readable }): Promise<RunOutput>;
  close(): Promise<void>;
}

export interface RunOutput extends ExecResult {
  stdout: string;
  stderr: string;
}

let counter = 0;

export async function extractBase(snapshotter: Snapshotter, scratch: string): Promise<void> {
  const target = join(scratch, `base-mount-${snapshotter.name}`);
  await mkdir(target, { recursive: true });
  await mountAll(await snapshotter.prepare(`${baseName}-active`), target);
  try {
    await runCommand('tar', ['-xf', busyboxTar, '-C', target, '--numeric-owner']);
  } finally {
    await unmount(target);
  }
  await snapshotter.commit(baseName, `${baseName}-active`);
}

export function baseSpec(id: string, args: string[]): SandboxSpec {
  return {
    id,
    process: { args, env: [], cwd: '/', user: '', tty: false },
    rootfs: [],
    readonlyRootfs: false,
    mounts: [],
    hostname: 'sandbox',
    network: 'none',
    extraHosts: [],
    privileged: false,
    capAdd: [],
    capDrop: [],
    limits: {},
  };
}

export async function openSandboxFixture(): Promise<SandboxFixture> {
  const root = await mkdtemp(join(tmpdir(), 'tsbuild-sandbox-'));
  const snapshotter = new OverlaySnapshotter(join(statePaths(root).snapshots, 'overlay'));
  await extractBase(snapshotter, root);
  const executor = new RuncExecutor({ root });
  return {
    root,
    snapshotter,
    executor,
    async run(args, overrides = {}) {
      const id = `t${process.pid}-${counter++}`;
      const { signal, runtime, stdin, ...specOverrides } = overrides;
      const rootfs = await snapshotter.prepare(id, baseName);
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      stdout.on('data', (chunk: Buffer) => out.push(chunk));
      stderr.on('data', (chunk: Buffer) => err.push(chunk));
      const chosen = runtime === undefined ? executor : new RuncExecutor({ root, runtime });
      try {
        const result = await chosen.run({ ...baseSpec(id, args), ...specOverrides, rootfs }, { stdout, stderr, ...(signal ? { signal } : {}), ...(stdin ? { stdin } : {}) });
        return { ...result, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      } finally {
        await snapshotter.remove(id);
      }
    },
    async close() {
      // A failed test may leave a run's mounts behind: never delete through a mount.
      await removeLeftovers((await findLeftovers(root)).filter((item) => item.kind === 'mount'));
      await rm(root, { recursive: true, force: true });
    },
  };
}
