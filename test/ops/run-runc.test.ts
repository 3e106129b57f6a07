// RUN end to end on the real sandbox: runc, overlay snapshots, real mounts, busybox from the image store.
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContentStore, initDigests } from '../../cache/index.js';
import { StepFailedError } from '../../src/errors.js';
import { RuncExecutor } from '../../src/executor/runc.js';
import { importRootfs } from '../../src/image/import.js';
import { parseReference } from '../../src/image/reference.js';
import { ImageStore } from '../../src/image/store.js';
import type { FsState } from '../../src/ops/fs-state.js';
import { runStep, type RunDeps, type RunSpec } from '../../src/ops/run.js';
import { resolveBaseImage, unpackImage } from '../../src/ops/source.js';
import { mountAll, unmount } from '../../src/snapshot/mount.js';
import { openSnapshotter } from '../../src/snapshot/open-snapshotter.js';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { repoRoot } from '../helpers/paths.js';

let work: string;
let deps: RunDeps;
let base: FsState;

describeIf('RUN on runc', sandboxMissing(), () => {
  beforeAll(async () => {
    await initDigests();
    work = await mkdtemp(join(tmpdir(), 'tsbuild-run-runc-'));
    const root = join(work, 'root');
    const content = await ContentStore.open(join(root, 'content'));
    const images = await ImageStore.open(join(root, 'images'), content);
    await importRootfs(images, createReadStream(join(repoRoot, '.tsbuild-bases', 'busybox.tar')), { sourceName: 'busybox.tar', ref: parseReference('busybox') });
    await mkdir(join(root, 'tmp'), { recursive: true });
    deps = {
      snapshotter: await openSnapshotter(join(root, 'snapshots')),
      content,
      mounter: { mount: mountAll, unmount },
      tmpDir: join(root, 'tmp'),
      sourceDateEpoch: 0,
      executor: new RuncExecutor({ root }),
      cacheMountDir: join(root, 'cache', 'mounts'),
      entitlements: { securityInsecure: false, networkHost: false },
      freshCacheMounts: false,
      stateChecksumDir: join(root, 'cache', 'state-sums'),
    };
    base = await unpackImage(deps, await resolveBaseImage(images, 'busybox'));
  }, 60_000);

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const spec = (script: string, extra: Partial<RunSpec> = {}): RunSpec => ({
    args: ['/bin/sh', '-c', script],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    cwd: '/',
    user: '',
    mounts: [],
    network: 'none',
    insecure: false,
    hostname: 'buildkitsandbox',
    extraHosts: [],
    ...extra,
  });

  async function run(script: string, extra: Partial<RunSpec> = {}): Promise<{ state: FsState; output: string }> {
    let output = '';
    const state = await runStep(deps, base, spec(script, extra), { onOutput: (_stream, chunk) => (output += chunk.toString()), signal: undefined });
    return { state, output };
  }

  async function readIn(state: FsState, path: string): Promise<string | undefined> {
    const dir = await mkdtemp(join(work, 'view-'));
    const key = `check-${Math.random().toString(36).slice(2)}`;
    await mountAll(await deps.snapshotter.view(key, state.snapshot), dir);
    try {
      return await readFile(join(dir, path), 'utf8').catch(() => undefined);
    } finally {
      await unmount(dir);
      await deps.snapshotter.remove(key);
      await rm(dir, { recursive: true });
    }
  }

  it('runs the command as root in buildkitsandbox and keeps what it wrote', async () => {
    const { state, output } = await run('echo hello > /hello.txt; id -un; hostname');
    expect(output).toBe('root\nbuildkitsandbox\n');
    expect(await readIn(state, 'hello.txt')).toBe('hello\n');
    expect(state.layers).toHaveLength(2);
  });

  it('fails with the exit code in BuildKit words', async () => {
    await expect(run('echo failing >&2; exit 3')).rejects.toThrow(StepFailedError);
    await expect(run('exit 4')).rejects.toThrow('process "/bin/sh -c exit 4" did not complete successfully: exit code: 4');
  });

  it('gives secrets as files and env, and they stay out of the layer', async () => {
    const { state, output } = await run('cat /run/secrets/token; echo; echo "$TOKEN"', {
      mounts: [
        { type: 'secret', target: undefined, id: 'token', value: Buffer.from('s3cr3t'), env: undefined, uid: 0, gid: 0, mode: 0o400 },
        { type: 'secret', target: undefined, id: 'token', value: Buffer.from('envvalue'), env: 'TOKEN', uid: 0, gid: 0, mode: 0o400 },
      ],
    });
    expect(output).toBe('s3cr3t\nenvvalue\n');
    expect(await readIn(state, 'run/secrets/token')).toBeUndefined();
  });

  it('keeps cache mounts between steps and tmpfs contents nowhere', async () => {
    const cache = { type: 'cache' as const, target: '/var/cache/app', id: 'app', sharing: 'locked' as const, uid: 0, gid: 0, mode: 0o755, readonly: false, source: '/', from: undefined };
    const first = await run('if [ -f /var/cache/app/seen ]; then echo warm; else echo cold; touch /var/cache/app/seen; fi', { mounts: [cache] });
    const second = await run('if [ -f /var/cache/app/seen ]; then echo warm; else echo cold; fi', { mounts: [cache] });
    expect([first.output, second.output]).toEqual(['cold\n', 'warm\n']);
    const tmpfs = await run('echo t > /scratch/t && ls /scratch', { mounts: [{ type: 'tmpfs', target: '/scratch', sizeBytes: undefined }] });
    expect(tmpfs.output).toBe('t\n');
    expect(await readIn(tmpfs.state, 'scratch/t')).toBeUndefined();
  });

  it('mounts a cache subpath (source=), starts a new cache from from=, and never follows a link out of it', async () => {
    const cache = { type: 'cache' as const, target: '/c', id: 'seeded', sharing: 'shared' as const, uid: 0, gid: 0, mode: 0o755, readonly: false };
    const context = join(work, 'cache-seed');
    await mkdir(join(context, 'deps/pkg'), { recursive: true });
    await writeFile(join(context, 'deps/pkg/index.js'), 'seeded\n');
    const seeded = { ...cache, source: 'deps', from: { kind: 'dir' as const, dir: context } };
    const first = await run('cat /c/pkg/index.js; echo later > /c/added', { mounts: [seeded] });
    expect(first.output).toBe('seeded\n');
    // The same cache without from=: the seed and what the step added are there, below deps/.
    const whole = await run('ls /c /c/deps', { mounts: [{ ...cache, source: '/', from: undefined }] });
    expect(whole.output).toBe('/c:\ndeps\n\n/c/deps:\nadded\npkg\n');
    await run('ln -s /etc /c/sel', { mounts: [{ ...cache, source: '/', from: undefined }] });
    await expect(run('ls /c', { mounts: [{ ...cache, source: 'sel', from: undefined }] })).rejects.toThrow('failed to mount /c: "/sel": not found in the cache');
  });

  it('runs heredoc scripts from a read-only file mount', async () => {
    const { output } = await run('/dev/pipes/EOF', { args: ['/dev/pipes/EOF'], mounts: [{ type: 'content', target: '/dev/pipes/EOF', content: '#!/bin/sh\necho from heredoc\n', mode: 0o755 }] });
    expect(output).toBe('from heredoc\n');
  });

  it('binds a context file read-only', async () => {
    const context = join(work, 'context');
    await mkdir(context, { recursive: true });
    await writeFile(join(context, 'input.txt'), 'bound\n');
    const { output } = await run("cat /in.txt; (echo x > /in.txt) 2>/dev/null || echo read-only", {
      mounts: [{ type: 'bind', target: '/in.txt', from: { kind: 'dir', dir: context }, source: 'input.txt', readwrite: false }],
    });
    expect(output).toBe('bound\nread-only\n');
  });
});
