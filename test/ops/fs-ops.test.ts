// The filesystem ops on real files, with both real snapshotters (overlay and native) and real mounts:
// busybox unpacked from the image store, COPY/WORKDIR/RUN steps committed as layers in the real content
// store. RUN's sandbox is a recording executor here (the sandbox suites test runc itself), so this
// checks the ops' own logic: mounts, stubs, secrets, cache mounts, failures.
import { execFileSync } from 'node:child_process';
import { createReadStream, readdirSync, type BigIntStats } from 'node:fs';
import { connect, createServer } from 'node:net';
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentHashIndex, ContentStore, initDigests } from '../../cache/index.js';
import { StepFailedError } from '../../src/errors.js';
import type { Executor, SandboxSpec } from '../../src/executor/executor.js';
import { importRootfs } from '../../src/image/import.js';
import { parseReference } from '../../src/image/reference.js';
import { ImageStore } from '../../src/image/store.js';
import { loadPreviousCopy, type PreviousCopy } from '../../src/ops/copied-files.js';
import { copyStep, type CopySpec } from '../../src/ops/copy.js';
import { checksumSources } from '../../src/ops/copy-files.js';
import { forgetStateChecksums, stateSourceParts } from '../../src/ops/state-checksum.js';
import { emptyFsState, snapshotName, type FsDeps, type FsState } from '../../src/ops/fs-state.js';
import { mkdirStep } from '../../src/ops/mkdir.js';
import { runStep, type RunDeps, type RunSpec } from '../../src/ops/run.js';
import { resolveBaseImage, unpackImage } from '../../src/ops/source.js';
import { repoRoot } from '../helpers/paths.js';
import { mountAll, unmount } from '../../src/snapshot/mount.js';
import { openSnapshotter } from '../../src/snapshot/open-snapshotter.js';
import type { Snapshotter } from '../../src/snapshot/snapshotter.js';
import { describeIf, isRoot } from '../helpers/capabilities.js';

let work: string;
let deps: FsDeps;
let snapshotter: Snapshotter;
let base: FsState;
let context: string;
let images: ImageStore;

const busyboxTar = join(repoRoot, '.tsbuild-bases', 'busybox.tar');

const kinds = ['overlay', 'native'] as const;

for (const kind of kinds) {
  describeIf(`filesystem ops on the ${kind} snapshotter`, isRoot() ? [] : ['root (mounts)'], () => {
    beforeAll(async () => {
      await initDigests();
      work = await mkdtemp(join(tmpdir(), 'tsbuild-fs-ops-'));
      const content = await ContentStore.open(join(work, 'content'));
      images = await ImageStore.open(join(work, 'images'), content);
      const stored = await importRootfs(images, createReadStream(busyboxTar), { sourceName: 'busybox.tar', ref: parseReference('busybox') });
      snapshotter = await openSnapshotter(join(work, 'snapshots'), kind);
      await mkdir(join(work, 'tmp'));
      deps = { snapshotter, content, mounter: { mount: mountAll, unmount }, tmpDir: join(work, 'tmp'), sourceDateEpoch: 0 };
      base = await unpackImage(deps, { manifest: await images.manifest(stored), config: await images.config(stored) });
      context = join(work, 'context');
      await mkdir(join(context, 'src'), { recursive: true });
      await writeFile(join(context, 'src', 'app.sh'), 'echo app\n');
    });

    afterAll(async () => {
      await rm(work, { recursive: true, force: true });
    });

    /** The committed snapshot's files, seen through a read-only view mounted for the check. */
    async function readIn<T>(state: FsState, use: (dir: string) => Promise<T>): Promise<T> {
      const dir = await mkdtemp(join(work, 'check-'));
      const key = `check-${Math.random().toString(36).slice(2)}`;
      await mountAll(await snapshotter.view(key, state.snapshot), dir);
      try {
        return await use(dir);
      } finally {
        await unmount(dir);
        await snapshotter.remove(key);
        await rm(dir, { recursive: true });
      }
    }

    /** Entry names of a layer blob, as the system tar reads them. */
    function layerEntries(state: FsState): string[] {
      const layer = state.layers.at(-1);
      if (!layer) throw new Error('no layer');
      return execFileSync('tar', ['-tf', deps.content.blobPath(layer.diffId)], { encoding: 'utf8' }).trim().split('\n').filter((l) => l !== '');
    }

    function copySpec(extra: Partial<CopySpec> = {}): CopySpec {
      return { from: { kind: 'context', dir: context, ignore: undefined }, sources: ['src/'], heredocs: [], destination: '/app/', chown: undefined, chmod: undefined, exclude: [], parents: false, link: false, unpack: false, unpackRemote: false, checksum: undefined, keepGitDir: false, ...extra };
    }

    describe('FROM image', () => {
      it('finds base images in the local store, and says how to add a missing one', async () => {
        const busybox = await resolveBaseImage(images, 'busybox:latest');
        expect(busybox.config.rootfs.diff_ids).toEqual(base.layers.map((l) => l.diffId));
        await expect(resolveBaseImage(images, 'alpine:3.20')).rejects.toThrow(
          'failed to resolve source metadata for docker.io/library/alpine:3.20: image not found in the local store (add it with `tsbuild load` or `tsbuild import`)',
        );
      });

      it('unpacks each layer once into a snapshot named by its chain ID', async () => {
        expect(base.layers).toHaveLength(1);
        expect(base.snapshot).toBe(snapshotName(base.layers));
        expect((await readIn(base, (dir) => lstat(join(dir, 'bin/busybox')))).isFile()).toBe(true);
        const before = (await snapshotter.list()).length;
        const again = await unpackImage(deps, { manifest: { schemaVersion: 2, config: base.layers[0]!.descriptor, layers: base.layers.map((l) => l.descriptor) }, config: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: base.layers.map((l) => l.diffId) } } });
        expect(again).toEqual(base);
        expect((await snapshotter.list()).length).toBe(before);
      });
    });

    describe('COPY', () => {
      it('adds a layer holding only the copied files and their new parent', async () => {
        const state = await copyStep(deps, base, copySpec());
        expect(state.layers).toHaveLength(2);
        expect(await readIn(state, (dir) => readFile(join(dir, 'app/app.sh'), 'utf8'))).toBe('echo app\n');
        expect(layerEntries(state).sort()).toEqual(['app/', 'app/app.sh']);
      });

      it('gives the same snapshot and layer for the same copy (content-named, reproducible)', async () => {
        const one = await copyStep(deps, base, copySpec());
        const two = await copyStep(deps, base, copySpec());
        expect(two).toEqual(one);
      });

      it('resolves --chown names in the destination rootfs', async () => {
        const state = await copyStep(deps, base, copySpec({ chown: 'app' }));
        const info = await readIn(state, (dir) => lstat(join(dir, 'app/app.sh')));
        expect(`${info.uid}:${info.gid}`).toBe('1000:1000');
      });

      it('copies from another state read-only', async () => {
        const built = await copyStep(deps, base, copySpec());
        const scratchCopy = await copyStep(deps, emptyFsState, copySpec({ from: { kind: 'state', state: built }, sources: ['/app/app.sh'], destination: '/out/app.sh' }));
        expect(await readIn(scratchCopy, (dir) => readFile(join(dir, 'out/app.sh'), 'utf8'))).toBe('echo app\n');
        expect(scratchCopy.layers).toHaveLength(1);
      });

      it('makes the --link layer independent of the parent: the same layer on any base', async () => {
        const onBase = await copyStep(deps, base, copySpec({ link: true }));
        const onScratch = await copyStep(deps, emptyFsState, copySpec({ link: true }));
        expect(onBase.layers.at(-1)).toEqual(onScratch.layers.at(-1));
        expect(await readIn(onBase, (dir) => readFile(join(dir, 'app/app.sh'), 'utf8'))).toBe('echo app\n');
        expect((await readIn(onBase, (dir) => lstat(join(dir, 'bin/busybox')))).isFile()).toBe(true);
      });

      it('writes heredoc sources as 0644 files named after their delimiter', async () => {
        const state = await copyStep(deps, base, copySpec({ sources: [], heredocs: [{ name: 'EOF', content: 'first\n' }, { name: 'EOF2', content: 'second\n' }], destination: '/double/' }));
        expect(await readIn(state, (dir) => readFile(join(dir, 'double/EOF'), 'utf8'))).toBe('first\n');
        const info = await readIn(state, (dir) => lstat(join(dir, 'double/EOF2')));
        expect(`${(info.mode & 0o7777).toString(8)} ${info.uid}:${info.gid}`).toBe('644 0:0');
      });

      it('leaves no active snapshot behind when the copy fails', async () => {
        const before = (await snapshotter.list()).length;
        await expect(copyStep(deps, base, copySpec({ sources: ['missing'] }))).rejects.toThrow('"/missing": not found');
        expect((await snapshotter.list()).length).toBe(before);
      });
    });

    describe('COPY reusing its previous result', () => {
      // The index's clock runs an hour ahead, so no file just written counts as racily clean.
      const index = ContentHashIndex.inMemory({ now: () => BigInt(Date.now() + 3_600_000) * 1_000_000n });
      const spec = (extra: Partial<CopySpec> = {}): CopySpec => copySpec({ sources: ['tree/'], destination: '/srv/', ...extra });

      beforeAll(async () => {
        await mkdir(join(context, 'tree', 'sub'), { recursive: true });
        for (const name of ['a', 'b', 'sub/c']) await writeFile(join(context, 'tree', name), `${name} v1\n`);
        // Enough files for the copy to be worth recording (copied-files.ts).
        await mkdir(join(context, 'tree', 'many'));
        for (let i = 0; i < 64; i++) await writeFile(join(context, 'tree', 'many', `f${i}`), `${i}\n`);
      });

      /** A copy as a build runs it: the key's checksums first (they fill the index and the stats seen), then the copy. */
      async function copyAfter(previous: FsState | undefined, extra: Partial<CopySpec> = {}): Promise<FsState> {
        const seenStats = new Map<string, BigIntStats>();
        await checksumSources(index, context, { sources: ['tree/'], sourceIgnore: undefined, exclude: undefined, parents: false }, { owners: false, seenStats });
        const last = previous && (await loadPreviousCopy(snapshotter, deps.content, previous));
        return copyStep(deps, base, spec(extra), undefined, { knownDigest: (path, info) => index.knownDigest(path, info), previous: last, seenStats });
      }

      async function inodeOf(state: FsState, rel: string): Promise<number> {
        return (await lstat(join((await snapshotter.ownFiles(state.snapshot as string)) as string, rel))).ino;
      }

      it('keeps no record of a copy too small to be worth one', async () => {
        await index.load();
        const small = await copyStep(deps, base, spec({ sources: ['tree/sub/'] }), undefined, { knownDigest: (path, info) => index.knownDigest(path, info), previous: undefined });
        expect(small.copiedFiles).toBeUndefined();
      });

      it('links the unchanged files, copies the changed one, and gives the layer a fresh copy gives', async () => {
        const first = await copyAfter(undefined);
        expect(first.copiedFiles).toBeDefined();
        await writeFile(join(context, 'tree', 'b'), 'b v2, longer\n');
        const second = await copyAfter(first);
        expect(await inodeOf(second, 'srv/a')).toBe(await inodeOf(first, 'srv/a'));
        expect(await inodeOf(second, 'srv/sub/c')).toBe(await inodeOf(first, 'srv/sub/c'));
        expect(await inodeOf(second, 'srv/b')).not.toBe(await inodeOf(first, 'srv/b'));
        expect(await readIn(first, (dir) => readFile(join(dir, 'srv/b'), 'utf8'))).toBe('b v1\n');
        expect(await readIn(second, (dir) => readFile(join(dir, 'srv/b'), 'utf8'))).toBe('b v2, longer\n');
        const fresh = await copyStep(deps, base, spec());
        expect(fresh.layers).toEqual(second.layers);
      });

      it('copies a file whose link fails (its previous result lost it meanwhile), and gives the layer a fresh copy gives', async () => {
        const first = await copyAfter(undefined);
        const last = (await loadPreviousCopy(snapshotter, deps.content, first)) as PreviousCopy;
        // A stand-in for the previous result's files with one gone: committed snapshots are shared, never damaged.
        const partial = join(work, 'partial-previous');
        execFileSync('cp', ['-a', last.dir, partial]);
        await rm(join(partial, 'srv/a'));
        const seenStats = new Map<string, BigIntStats>();
        await checksumSources(index, context, { sources: ['tree/'], sourceIgnore: undefined, exclude: undefined, parents: false }, { owners: false, seenStats });
        const second = await copyStep(deps, base, spec(), undefined, { knownDigest: (path, info) => index.knownDigest(path, info), previous: { ...last, dir: partial }, seenStats });
        await rm(partial, { recursive: true });
        expect(second.layers).toEqual((await copyStep(deps, base, spec())).layers);
      });

      it('copies a file whose mode or mtime changed, and leaves the previous one as it was', async () => {
        const first = await copyAfter(undefined);
        await chmod(join(context, 'tree', 'a'), 0o755);
        await utimes(join(context, 'tree', 'sub', 'c'), new Date(1_000_000), new Date(1_000_000));
        const second = await copyAfter(first);
        expect(await inodeOf(second, 'srv/a')).not.toBe(await inodeOf(first, 'srv/a'));
        expect(await inodeOf(second, 'srv/sub/c')).not.toBe(await inodeOf(first, 'srv/sub/c'));
        expect(await inodeOf(second, 'srv/b')).toBe(await inodeOf(first, 'srv/b'));
        const [before, after] = await Promise.all([readIn(first, (dir) => lstat(join(dir, 'srv/a'))), readIn(second, (dir) => lstat(join(dir, 'srv/a')))]);
        expect([(before.mode & 0o777).toString(8), (after.mode & 0o777).toString(8)]).toEqual(['644', '755']);
        expect((await copyStep(deps, base, spec())).layers).toEqual(second.layers);
      });

      it('links under --chown and --chmod only when they are the same as last time', async () => {
        const first = await copyAfter(undefined, { chown: 'app', chmod: '0600' });
        const same = await copyAfter(first, { chown: 'app', chmod: '0600' });
        expect(await inodeOf(same, 'srv/b')).toBe(await inodeOf(first, 'srv/b'));
        const other = await copyAfter(first, { chown: 'app', chmod: '0640' });
        expect(await inodeOf(other, 'srv/b')).not.toBe(await inodeOf(first, 'srv/b'));
        const info = await readIn(first, (dir) => lstat(join(dir, 'srv/b')));
        expect(`${info.uid}:${info.gid} ${(info.mode & 0o777).toString(8)}`).toBe('1000:1000 600');
      });
    });

    describe('COPY --from key parts', () => {
      it('are the content of the selected paths, whatever snapshot holds them, and are kept per snapshot', async () => {
        const memo = join(work, 'state-sums');
        const one = await copyStep(deps, base, copySpec());
        const other = await mkdirStep(deps, one, { path: '/elsewhere', user: '' });
        expect(other.snapshot).not.toBe(one.snapshot);
        const selection = { sources: ['/app/app.sh'], exclude: [], parents: false };
        const partsOne = await stateSourceParts(deps, memo, one, selection);
        expect(partsOne).toEqual(await stateSourceParts(deps, memo, other, selection));
        expect(partsOne.some((part) => part.startsWith('file app/app.sh file 644 0:0 9 '))).toBe(true);
        expect(readdirSync(memo).filter((name) => name.startsWith(`${one.snapshot}.`))).toHaveLength(1);
        await writeFile(join(context, 'src', 'app.sh'), 'echo changed\n');
        const changed = await copyStep(deps, base, copySpec());
        await writeFile(join(context, 'src', 'app.sh'), 'echo app\n');
        expect(await stateSourceParts(deps, memo, changed, selection)).not.toEqual(partsOne);
        await expect(stateSourceParts(deps, memo, one, { ...selection, sources: ['/app/missing'] })).rejects.toThrow('"/app/missing": not found');
        await forgetStateChecksums(memo, async (name) => name !== one.snapshot);
        expect(readdirSync(memo).filter((name) => name.startsWith(`${one.snapshot}.`))).toEqual([]);
      });
    });

    describe('WORKDIR', () => {
      it('creates the directory owned by the USER, as a layer of its own', async () => {
        const state = await mkdirStep(deps, base, { path: '/home/app/work', user: 'app' });
        const info = await readIn(state, (dir) => lstat(join(dir, 'home/app/work')));
        expect(`${info.uid}:${info.gid} ${(info.mode & 0o7777).toString(8)}`).toBe('1000:1000 755');
        expect(state.layers).toHaveLength(2);
      });
    });

    describe('RUN', () => {
      const seen: SandboxSpec[] = [];
      let behaviour: (spec: SandboxSpec, root: string) => Promise<number> = async () => 0;
      // Stands in for runc: mounts the rootfs it is given, lets the test act as the process, unmounts.
      const executor: Executor = {
        async run(spec, io) {
          seen.push(spec);
          io.stdout.write('hello from the step\n');
          const root = await mkdtemp(join(work, 'sandbox-'));
          await mountAll(spec.rootfs, root);
          try {
            return { exitCode: await behaviour(spec, root), signal: undefined, oomKilled: false };
          } finally {
            await unmount(root);
            await rm(root, { recursive: true });
          }
        },
      };
      const runDeps = (): RunDeps => ({ ...deps, executor, cacheMountDir: join(work, 'cache-mounts'), entitlements: { securityInsecure: false, networkHost: false }, freshCacheMounts: false, stateChecksumDir: join(work, 'state-sums') });
      const spec = (extra: Partial<RunSpec> = {}): RunSpec => ({ args: ['/bin/sh', '-c', 'true'], env: ['PATH=/bin'], cwd: '/', user: '', mounts: [], network: 'host', insecure: false, hostname: 'buildkitsandbox', extraHosts: [], ...extra });

      it('runs in the prepared rootfs, streams output and commits what the process wrote', async () => {
        behaviour = async (_s, root) => {
          await writeFile(join(root, 'made-by-run'), 'x');
          return 0;
        };
        const output: string[] = [];
        const state = await runStep(runDeps(), base, spec(), { onOutput: (_stream, chunk) => output.push(chunk.toString()), signal: undefined });
        expect(output.join('')).toBe('hello from the step\n');
        expect(await readIn(state, (dir) => readFile(join(dir, 'made-by-run'), 'utf8'))).toBe('x');
        expect(layerEntries(state)).toEqual(['made-by-run']);
        expect(seen.at(-1)?.hostname).toBe('buildkitsandbox');
      });

      it('never puts a secret in the layer, and removes the secret file after the step', async () => {
        behaviour = async () => 0;
        const state = await runStep(
          runDeps(),
          base,
          spec({
            mounts: [
              { type: 'secret', target: undefined, id: 'token', value: Buffer.from('s3cr3t'), env: undefined, uid: 0, gid: 0, mode: 0o400 },
              { type: 'tmpfs', target: '/scratch', sizeBytes: undefined },
            ],
          }),
          { onOutput: () => undefined, signal: undefined },
        );
        const secretMount = seen.at(-1)?.mounts.find((m) => m.destination === '/run/secrets/token');
        expect(secretMount?.options).toContain('ro');
        expect(layerEntries(state)).toEqual([]);
        await expect(readIn(state, (dir) => lstat(join(dir, 'run')))).rejects.toThrow();
        await expect(lstat(secretMount?.source as string)).rejects.toThrow(); // the secret file is gone after the step
      });

      it('binds context and stage paths read-only, and gives rw binds a throwaway copy', async () => {
        const stage = await copyStep(deps, base, copySpec());
        const seenContent: string[] = [];
        behaviour = async (s) => {
          for (const target of ['/ctx-app.sh', '/stage-app', '/rw']) {
            const mount = s.mounts.find((m) => m.destination === target);
            seenContent.push(`${target} ${mount?.options.join(',')}`);
          }
          const rw = s.mounts.find((m) => m.destination === '/rw')?.source as string;
          await writeFile(join(rw, 'app.sh'), 'changed by the step\n');
          seenContent.push(await readFile(join(s.mounts.find((m) => m.destination === '/stage-app')?.source as string, 'app.sh'), 'utf8'));
          return 0;
        };
        await runStep(
          runDeps(),
          base,
          spec({
            mounts: [
              { type: 'bind', target: '/ctx-app.sh', from: { kind: 'dir', dir: context }, source: 'src/app.sh', readwrite: false },
              { type: 'bind', target: '/stage-app', from: { kind: 'state', state: stage }, source: '/app', readwrite: false },
              { type: 'bind', target: '/rw', from: { kind: 'dir', dir: context }, source: 'src', readwrite: true },
            ],
          }),
          { onOutput: () => undefined, signal: undefined },
        );
        expect(seenContent).toEqual(['/ctx-app.sh rbind,ro', '/stage-app rbind,ro', '/rw rbind,rw', 'echo app\n']);
        expect(await readFile(join(context, 'src', 'app.sh'), 'utf8')).toBe('echo app\n');
        expect(await snapshotter.list().then((l) => l.filter((i) => i.kind === 'view'))).toEqual([]);
      });

      it('keeps cache mounts across steps, outside the layers', async () => {
        behaviour = async (s) => {
          const cache = s.mounts.find((m) => m.destination === '/cache')?.source as string;
          await writeFile(join(cache, 'count'), String(Number(await readFile(join(cache, 'count'), 'utf8').catch(() => '0')) + 1));
          return 0;
        };
        const cacheMount = { type: 'cache' as const, target: '/cache', id: '/cache', sharing: 'locked' as const, uid: 0, gid: 0, mode: 0o755, readonly: false, source: '/', from: undefined };
        await runStep(runDeps(), base, spec({ mounts: [cacheMount] }), { onOutput: () => undefined, signal: undefined });
        await runStep(runDeps(), base, spec({ mounts: [cacheMount], args: ['/bin/sh', '-c', 'again'] }), { onOutput: () => undefined, signal: undefined });
        const cacheDir = seen.at(-1)?.mounts.find((m) => m.destination === '/cache')?.source as string;
        expect(await readFile(join(cacheDir, 'count'), 'utf8')).toBe('2');
      });

      it('forwards the SSH agent through a socket with the mount\'s owner and mode', async () => {
        const agentPath = join(work, 'agent.sock');
        const agent = createServer((socket) => socket.on('data', (data) => socket.end(`agent got ${data.toString()}`)));
        await new Promise<void>((resolve) => agent.listen(agentPath, resolve));
        try {
          let reply = '';
          let mode = '';
          behaviour = async (s) => {
            const proxy = s.mounts.find((m) => m.destination === '/run/buildkit/ssh_agent.0')?.source as string;
            const info = await lstat(proxy);
            mode = `${info.uid}:${info.gid} ${(info.mode & 0o7777).toString(8)} ${info.isSocket()}`;
            reply = await new Promise<string>((resolve, reject) => {
              const socket = connect(proxy, () => socket.write('ping'));
              let text = '';
              socket.on('data', (d) => (text += d.toString()));
              socket.on('end', () => resolve(text));
              socket.on('error', reject);
            });
            return 0;
          };
          await runStep(runDeps(), base, spec({ mounts: [{ type: 'ssh', target: '/run/buildkit/ssh_agent.0', socket: agentPath, uid: 100, gid: 102, mode: 0o741 }] }), { onOutput: () => undefined, signal: undefined });
          expect(reply).toBe('agent got ping');
          expect(mode).toBe('100:102 741 true');
          expect(seen.at(-1)?.process.env).toContain('SSH_AUTH_SOCK=/run/buildkit/ssh_agent.0');
        } finally {
          await new Promise((resolve) => agent.close(resolve));
        }
      });

      it('fails with BuildKit words on a non-zero exit, leaving no snapshot behind', async () => {
        behaviour = async () => 3;
        const before = (await snapshotter.list()).length;
        const failure = runStep(runDeps(), base, spec({ args: ['/bin/sh', '-c', 'exit 3'] }), { onOutput: () => undefined, signal: undefined });
        await expect(failure).rejects.toThrow(StepFailedError);
        await expect(failure).rejects.toThrow('process "/bin/sh -c exit 3" did not complete successfully: exit code: 3');
        expect((await snapshotter.list()).length).toBe(before);
      });

      it('refuses --security=insecure without the entitlement', async () => {
        await expect(runStep(runDeps(), base, spec({ insecure: true }), { onOutput: () => undefined, signal: undefined })).rejects.toThrow('entitlement security.insecure is not allowed');
      });
    });
  });
}
