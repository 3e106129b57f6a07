// Graph steps executed through the ops on real snapshots (native snapshotter, real mounts); RUN's
// sandbox records what it is given, which is what these tests check.
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContentHashIndex, ContentStore, initDigests } from '../../cache/index.js';
import { UserError } from '../../src/errors.js';
import type { Executor, SandboxSpec } from '../../src/executor/executor.js';
import type { MountSpec, RunStep, Step } from '../../src/graph/index.js';
import { importRootfs } from '../../src/image/import.js';
import { parseReference } from '../../src/image/reference.js';
import { ImageStore } from '../../src/image/store.js';
import { emptyFsState, type FsState } from '../../src/ops/fs-state.js';
import type { RunDeps } from '../../src/ops/run.js';
import { resolveBaseImage } from '../../src/ops/source.js';
import { executeStep, stepKeyParts, type BuildInputs } from '../../src/ops/steps.js';
import { mountAll, unmount } from '../../src/snapshot/mount.js';
import { openSnapshotter } from '../../src/snapshot/open-snapshotter.js';
import { describeIf, isRoot } from '../helpers/capabilities.js';
import { repoRoot } from '../helpers/paths.js';

let work: string;
let deps: RunDeps;
let build: BuildInputs;
let busybox: FsState;
const sandboxes: SandboxSpec[] = [];

const executor: Executor = {
  async run(spec) {
    sandboxes.push(spec);
    return { exitCode: 0, signal: undefined, oomKilled: false };
  },
};

const io = { onOutput: () => undefined, signal: undefined };

describeIf('graph steps through the ops', isRoot() ? [] : ['root (mounts)'], () => {
  beforeAll(async () => {
    await initDigests();
    work = await mkdtemp(join(tmpdir(), 'tsbuild-steps-'));
    const content = await ContentStore.open(join(work, 'content'));
    const images = await ImageStore.open(join(work, 'images'), content);
    await importRootfs(images, createReadStream(join(repoRoot, '.tsbuild-bases', 'busybox.tar')), { sourceName: 'busybox.tar', ref: parseReference('busybox') });
    await mkdir(join(work, 'tmp'));
    await mkdir(join(work, 'context'));
    await writeFile(join(work, 'context', 'a.txt'), 'a\n');
    deps = {
      snapshotter: await openSnapshotter(join(work, 'snapshots'), 'native'),
      content,
      mounter: { mount: mountAll, unmount },
      tmpDir: join(work, 'tmp'),
      sourceDateEpoch: 0,
      executor,
      cacheMountDir: join(work, 'cache-mounts'),
      entitlements: { securityInsecure: false, networkHost: false },
      freshCacheMounts: false,
      stateChecksumDir: join(work, 'state-sums'),
    };
    build = {
      contextDir: join(work, 'context'),
      ignore: undefined,
      images: new Map([['busybox', await resolveBaseImage(images, 'busybox')]]),
      secrets: new Map([['token', Buffer.from('s3cr3t')]]),
      sshSockets: new Map(),
      network: 'default',
      extraHosts: [{ host: 'db', ip: '10.0.0.5' }],
      contentHash: ContentHashIndex.inMemory(),
    };
    busybox = await executeStep(deps, build, { kind: 'source', base: { kind: 'image', ref: 'busybox' }, platform: { os: 'linux', architecture: 'amd64' } }, { previous: undefined, stages: new Map() }, io);
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const run = (extra: Partial<RunStep>): RunStep => ({ kind: 'run', args: ['/bin/sh', '-c', 'true'], env: ['PATH=/bin'], proxy: undefined, user: '', workdir: '/', mounts: [], network: 'default', security: 'sandbox', files: [], ...extra });
  const exec = (step: Step, previous: FsState | undefined = busybox, stages = new Map<number, FsState>()): Promise<FsState> => executeStep(deps, build, step, { previous, stages }, io);

  it('starts stages from scratch, an image, or an earlier stage', async () => {
    const platform = { os: 'linux', architecture: 'amd64' };
    expect(await exec({ kind: 'source', base: { kind: 'scratch' }, platform }, undefined)).toEqual(emptyFsState);
    expect(busybox.layers).toHaveLength(1);
    expect(await exec({ kind: 'source', base: { kind: 'stage', stage: 0 }, platform }, undefined, new Map([[0, busybox]]))).toBe(busybox);
  });

  it('refuses a FROM --platform other than linux/amd64', async () => {
    await expect(exec({ kind: 'source', base: { kind: 'scratch' }, platform: { os: 'linux', architecture: 'arm64' } }, undefined)).rejects.toThrow(
      'FROM --platform=linux/arm64: tsbuild builds linux/amd64 images only',
    );
  });

  it('keeps the state for config instructions', async () => {
    expect(await exec({ kind: 'config', patch: { User: 'app' } })).toBe(busybox);
  });

  it('copies context files and heredocs, and ADD unpacks unless told not to', async () => {
    const state = await exec({
      kind: 'copy', instruction: 'COPY', from: { kind: 'context' }, sources: [{ path: 'a.txt' }, { path: 'NOTE', content: 'note\n' }], destination: '/out/',
      chown: undefined, chmod: undefined, link: false, exclude: [], parents: false, checksum: undefined, keepGitDir: false, unpack: undefined, user: '',
    });
    expect(state.layers).toHaveLength(2);
    const view = await mkdtemp(join(work, 'view-'));
    await mountAll(await deps.snapshotter.view('check', state.snapshot), view);
    try {
      expect(await readFile(join(view, 'out', 'a.txt'), 'utf8')).toBe('a\n');
      expect(await readFile(join(view, 'out', 'NOTE'), 'utf8')).toBe('note\n');
    } finally {
      await unmount(view);
      await deps.snapshotter.remove('check');
    }
  });

  it('refuses a git repository as a COPY source, in BuildKit words (only ADD fetches)', async () => {
    await expect(
      exec({
        kind: 'copy', instruction: 'COPY', from: { kind: 'context' }, sources: [{ path: 'git@example.com:team/repo.git' }], destination: '/src/',
        chown: undefined, chmod: undefined, link: false, exclude: [], parents: false, checksum: undefined, keepGitDir: false, unpack: undefined, user: '',
      }),
    ).rejects.toThrow(new UserError("source can't be a git ref for COPY"));
  });

  it('turns RUN mounts into sandbox mounts with BuildKit defaults', async () => {
    await exec(
      run({
        mounts: [
          { type: 'cache', target: '/root/.cache', id: undefined, sharing: 'shared', source: undefined, from: undefined, readonly: false, mode: undefined, uid: undefined, gid: undefined },
          { type: 'tmpfs', target: '/tmp/t', size: 64 * 1024 * 1024 },
          { type: 'secret', id: 'token', target: undefined, env: 'TOKEN', required: false, mode: undefined, uid: undefined, gid: undefined },
          { type: 'secret', id: 'absent', target: '/run/secrets/absent', env: undefined, required: false, mode: undefined, uid: undefined, gid: undefined },
          { type: 'ssh', id: 'default', target: undefined, required: false, mode: undefined, uid: undefined, gid: undefined },
          { type: 'bind', target: '/ctx', source: 'a.txt', from: undefined, readonly: true },
        ],
        proxy: { HTTPProxy: 'http://proxy:3128' },
      }),
    );
    const sandbox = sandboxes.at(-1) as SandboxSpec;
    expect(sandbox.mounts.map((m) => `${m.destination} ${m.type} ${m.options.join(',')}`)).toEqual([
      '/root/.cache bind rbind,rw',
      '/tmp/t tmpfs nosuid,nodev,size=67108864',
      '/ctx bind rbind,ro',
    ]);
    expect(sandbox.process.env).toEqual(['PATH=/bin', 'HTTP_PROXY=http://proxy:3128', 'http_proxy=http://proxy:3128', 'TOKEN=s3cr3t']);
    expect(sandbox.hostname).toBe('buildkitsandbox');
    expect(sandbox.network).toBe('host');
    expect(sandbox.extraHosts).toEqual([{ host: 'db', ip: '10.0.0.5' }]);
  });

  // BuildKit testDockerfileCheckHostname: the build arg BUILDKIT_SANDBOX_HOSTNAME names the sandbox.
  it('gives RUN the hostname the build asks for', async () => {
    await executeStep(deps, { ...build, sandboxHostname: 'foo' }, run({}), { previous: busybox, stages: new Map() }, io);
    expect((sandboxes.at(-1) as SandboxSpec).hostname).toBe('foo');
  });

  it('keys COPY on the selected context files (no owner) and RUN bind mounts on theirs with the owner', async () => {
    await mkdir(join(work, 'context', 'lib'), { recursive: true });
    await writeFile(join(work, 'context', 'lib', 'keep.js'), 'keep\n');
    await writeFile(join(work, 'context', 'lib', 'skip.test.js'), 'test\n');
    for (const [path, mode] of [['lib', 0o755], ['lib/keep.js', 0o644], ['lib/skip.test.js', 0o644]] as const) await chmod(join(work, 'context', path), mode);
    const copy: Step = {
      kind: 'copy', instruction: 'COPY', from: { kind: 'context' }, sources: [{ path: 'lib/' }], destination: '/lib/',
      chown: undefined, chmod: undefined, link: false, exclude: ['*.test.js'], parents: false, checksum: undefined, keepGitDir: false, unpack: undefined, user: '',
    };
    const inputs = { previous: busybox, stages: new Map<number, FsState>() };
    const copyFiles = (await stepKeyParts(deps, build, copy, inputs)).filter((part) => part.startsWith('file '));
    expect(copyFiles.map((part) => part.split(' ').slice(0, 4).join(' '))).toEqual(['file lib dir 755', 'file lib/keep.js file 644']);
    const bind: MountSpec = { type: 'bind', target: '/src', source: 'lib', from: undefined, readonly: true };
    const runFiles = (await stepKeyParts(deps, build, run({ mounts: [bind] }), inputs)).filter((part) => part.startsWith('file '));
    expect(runFiles.map((part) => part.split(' ').slice(0, 5).join(' '))).toEqual(['file lib dir 755 0:0', 'file lib/keep.js file 644 0:0', 'file lib/skip.test.js file 644 0:0']);
  });

  it('fails for a required secret or SSH agent that was not given', async () => {
    const secret: MountSpec = { type: 'secret', id: 'missing', target: '/s', env: undefined, required: true, mode: undefined, uid: undefined, gid: undefined };
    await expect(exec(run({ mounts: [secret] }))).rejects.toThrow('secret missing: not found');
    const ssh: MountSpec = { type: 'ssh', id: 'default', target: undefined, required: true, mode: undefined, uid: undefined, gid: undefined };
    await expect(exec(run({ mounts: [ssh] }))).rejects.toThrow('no SSH key "default" forwarded');
  });

  it('keeps --network=none and honours --security=insecure only with the entitlement', async () => {
    await exec(run({ network: 'none' }));
    expect(sandboxes.at(-1)?.network).toBe('none');
    await expect(exec(run({ security: 'insecure' }))).rejects.toThrow('entitlement security.insecure is not allowed');
  });

  it('takes --network=host only with the network.host entitlement, and the default network without one', async () => {
    await expect(exec(run({ network: 'host' }))).rejects.toThrow('entitlement network.host is not allowed');
    await exec(run({ network: 'default' }));
    expect(sandboxes.at(-1)?.network).toBe('host');
  });
});
