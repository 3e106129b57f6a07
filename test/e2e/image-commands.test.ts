// The image commands through the real CLI: import, images, tag, rmi, inspect, history, save, load, prune, system df.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf } from '../helpers/capabilities.js';
import { cliPath, repoRoot } from '../helpers/paths.js';
import { humanSize } from '../../src/cli/format.js';
import { checkStoreConsistent, cliBuilt, dockerLayerSize, sh, strayIngests, tsbuild, tsbuildOk } from './image-helpers.js';

const busybox = join(repoRoot, '.tsbuild-bases', 'busybox.tar');
/** The busybox image's size as docker images shows it (1.99MB for the tarball Debian 12's busybox-static gives). */
const shownSize = humanSize(dockerLayerSize(busybox));
const size = shownSize.replace('.', '\\.');
/** The same in `system df`'s summary, which docker prints with 4 significant digits (1.986MB). */
const summarySize = humanSize(dockerLayerSize(busybox), 4).replace('.', '\\.');
let dir: string;
let root: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-e2e-images-'));
  root = join(dir, 'state');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describeIf('image commands (CLI)', cliBuilt(), () => {
  it('import → tag → save → rmi → load gives the same image ID', () => {
    const id = tsbuildOk(root, ['import', '-c', 'CMD ["sh"]', '-c', 'ENV A=1 B="two words"', '-m', 'base', busybox, 'bb:1']).trim();
    expect(id).toMatch(/^sha256:[a-f0-9]{64}$/);
    tsbuildOk(root, ['tag', 'bb:1', 'localhost:5000/team/bb:v2']);
    expect(tsbuildOk(root, ['inspect', '--format', '{{.Id}} {{json .Config.Cmd}} {{.Config.Env}} {{.RepoTags}} {{.Os}}', 'bb:1'])).toBe(
      `${id} ["sh"] [A=1 B=two words] [bb:1 localhost:5000/team/bb:v2] linux\n`,
    );
    const archive = join(dir, 'bb.tar');
    tsbuildOk(root, ['save', '-o', archive, 'bb:1', 'localhost:5000/team/bb:v2']);
    expect(sh('tar', ['-tf', archive]).split('\n')).toEqual(expect.arrayContaining(['index.json', 'manifest.json', 'oci-layout', 'repositories']));
    // Then the layer by chain ID, for one layer its diff ID: what `docker rmi` printed for the same tarball.
    const layer = tsbuildOk(root, ['inspect', '--format', '{{index .RootFS.Layers 0}}', 'bb:1']).trim();
    expect(tsbuildOk(root, ['rmi', 'bb:1', 'localhost:5000/team/bb:v2'])).toBe(`Untagged: bb:1\nUntagged: localhost:5000/team/bb:v2\nDeleted: ${id}\nDeleted: ${layer}\n`);
    expect(tsbuildOk(root, ['images', '-q'])).toBe('');
    expect(tsbuildOk(root, ['load', '-i', archive])).toBe('Loaded image: bb:1\nLoaded image: localhost:5000/team/bb:v2\n');
    expect(tsbuildOk(root, ['images', '--no-trunc', '-q', 'bb'])).toBe(`${id}\n`);
    // docker 20.10 `rmi -f <id prefix>` of an image with tags busybox:latest and second:one printed
    // "Untagged: busybox:latest", "Untagged: second:one": sorted by name, whatever the tagging order.
    tsbuildOk(root, ['tag', 'bb:1', 'aa:0']);
    expect(tsbuildOk(root, ['rmi', '-f', id.slice(7, 19)])).toBe(`Untagged: aa:0\nUntagged: bb:1\nUntagged: localhost:5000/team/bb:v2\nDeleted: ${id}\nDeleted: ${layer}\n`);
    expect(tsbuildOk(root, ['load', '-i', archive])).toBe('Loaded image: bb:1\nLoaded image: localhost:5000/team/bb:v2\n');
    checkStoreConsistent(root);
  });

  it('lists images with Docker columns, filters and digests', () => {
    const out = tsbuildOk(root, ['images']);
    const [header, ...rows] = out.trimEnd().split('\n');
    expect(header).toMatch(/^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/);
    expect(rows.find((r) => r.startsWith('bb ')) ?? '').toMatch(new RegExp(`^bb +1 +[a-f0-9]{12} +(Less than a second|\\d+ seconds?|About a minute) ago +${size}$`));
    expect(tsbuildOk(root, ['images', '-f', 'reference=localhost:5000/*/*'])).toMatch(/\nlocalhost:5000\/team\/bb +v2 /);
    expect(tsbuildOk(root, ['images', '-f', 'reference=nothing*'])).toMatch(/^REPOSITORY[^\n]*\n$/);
    expect(tsbuildOk(root, ['images', '--digests', 'bb:1'])).toMatch(/^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE\nbb +1 +sha256:[a-f0-9]{64} +[a-f0-9]{12} /);
  });

  it('reports a missing image like docker, exit 1', () => {
    expect(tsbuild(root, ['inspect', 'nope:1'])).toMatchObject({ code: 1, stdout: '[]\n', stderr: 'ERROR: No such object: nope:1\n' });
    expect(tsbuild(root, ['image', 'inspect', 'nope:1'])).toMatchObject({ code: 1, stderr: 'ERROR: No such image: nope:1\n' });
    expect(tsbuild(root, ['save', '-o', join(dir, 'none.tar'), 'nope:1'])).toMatchObject({ code: 1, stderr: 'ERROR: reference does not exist\n' });
    // docker 20.10: `save nosuch` and `save sha256:0123456789abcdef` say "No such image: <name as given>".
    expect(tsbuild(root, ['save', '-o', join(dir, 'none.tar'), 'nosuch'])).toMatchObject({ code: 1, stderr: 'ERROR: No such image: nosuch\n' });
    expect(tsbuild(root, ['save', '-o', join(dir, 'none.tar'), 'sha256:0123456789abcdef'])).toMatchObject({
      code: 1,
      stderr: 'ERROR: No such image: sha256:0123456789abcdef\n',
    });
    const result = tsbuild(root, ['rmi', 'nope:1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('ERROR: No such image: nope:1\n');
    expect(tsbuild(root, ['tag', 'bb:1', 'Bad:Tag']).stderr).toBe(
      'ERROR: Error parsing reference: "Bad:Tag" is not a valid repository/tag: invalid reference format: repository name (library/Bad) must be lowercase\n',
    );
    // What docker 20.10's daemon said to `tag nosuch x:y`, `history nosuch` and `images --filter bogus=1`.
    expect(tsbuild(root, ['tag', 'nosuch', 'x:y'])).toMatchObject({ code: 1, stderr: 'ERROR: No such image: nosuch:latest\n' });
    expect(tsbuild(root, ['history', 'nosuch'])).toMatchObject({ code: 1, stderr: 'ERROR: No such image: nosuch:latest\n' });
    expect(tsbuild(root, ['images', '--filter', 'bogus=1'])).toMatchObject({ code: 1, stderr: "ERROR: Invalid filter 'bogus'\n" });
  });

  it('inspects an image with the keys docker 20.10 printed for an imported one, in its order', () => {
    const [view] = JSON.parse(tsbuildOk(root, ['inspect', 'bb:1'])) as Record<string, unknown>[];
    // Docker also has GraphDriver (its overlay2 directories), which has no counterpart here.
    expect(Object.keys(view ?? {})).toEqual([
      'Id', 'RepoTags', 'RepoDigests', 'Parent', 'Comment', 'Created', 'Container', 'ContainerConfig', 'DockerVersion',
      'Author', 'Config', 'Architecture', 'Os', 'Size', 'VirtualSize', 'RootFS', 'Metadata',
    ]);
    expect(view?.Container).toBe('');
    expect(view?.VirtualSize).toBe(view?.Size);
    // Docker's ContainerConfig for an import, as it printed it.
    expect(view?.ContainerConfig).toEqual({
      Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false, Tty: false, OpenStdin: false,
      StdinOnce: false, Env: null, Cmd: null, Image: '', Volumes: null, WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: null,
    });
  });

  it('formats images and history with --format, as docker does', () => {
    expect(tsbuildOk(root, ['images', '--format', '{{.Repository}}:{{.Tag}}', 'bb'])).toBe('bb:1\n');
    expect(tsbuildOk(root, ['images', '--format', 'table {{.Repository}}\\t{{.Tag}}', 'bb'])).toBe('REPOSITORY   TAG\nbb           1\n');
    expect(tsbuildOk(root, ['history', '--format', '{{.Size}} {{.Comment}}', 'bb:1'])).toBe(`${shownSize} base\n`);
    // docker 20.10 `images --format '{{json .}}'` for the busybox import: ..."Size":"1.99MB",..."VirtualSize":"1.986MB".
    const fields = JSON.parse(tsbuildOk(root, ['images', '--format', '{{json .}}', 'bb:1'])) as Record<string, string>;
    expect([fields.Size, fields.VirtualSize]).toEqual([shownSize, humanSize(dockerLayerSize(busybox), 4)]);
  });

  it('shows history newest first', () => {
    const out = tsbuildOk(root, ['history', 'bb:1']);
    expect(out).toMatch(new RegExp(`^IMAGE +CREATED +CREATED BY +SIZE +COMMENT\n[a-f0-9]{12} +.* ago +${size} +base\n$`));
  });

  it('names the source of an imported file "-" in its history, as docker import does', () => {
    tsbuildOk(root, ['import', busybox, 'imported:1']);
    expect(tsbuildOk(root, ['history', 'imported:1'])).toMatch(/ Imported from -\n$/);
    tsbuildOk(root, ['rmi', 'imported:1']);
  });

  it('leaves a dangling image when a tag moves, and image prune -f removes it', () => {
    const first = tsbuildOk(root, ['import', '-c', 'CMD ["first"]', busybox, 'moving:1']).trim();
    tsbuildOk(root, ['import', '-c', 'CMD ["second"]', busybox, 'moving:1']);
    expect(tsbuildOk(root, ['images', '-q', '--no-trunc', '-f', 'dangling=true'])).toBe(`${first}\n`);
    expect(tsbuildOk(root, ['images', '-f', 'dangling=true'])).toMatch(/\n<none> +<none> +[a-f0-9]{12} /);
    const pruned = tsbuildOk(root, ['image', 'prune', '-f']);
    // The layer stays with moving:1, and Docker counts only released layers' content.
    expect(pruned).toBe(`Deleted Images:\ndeleted: ${first}\n\nTotal reclaimed space: 0B\n`);
    expect(tsbuildOk(root, ['images', '-q', '-f', 'dangling=true'])).toBe('');
    checkStoreConsistent(root);
  });

  it('reports the space image prune -a frees as docker does: the released layers\' content, 4 digits', async () => {
    const own = join(dir, 'prune-all');
    const id = tsbuildOk(own, ['import', busybox, 'only:1']).trim();
    const layer = tsbuildOk(own, ['inspect', '--format', '{{index .RootFS.Layers 0}}', 'only:1']).trim();
    // docker 20.10 for the same tarball: "... deleted: <layer>\n\nTotal reclaimed space: 1.986MB".
    expect(tsbuildOk(own, ['image', 'prune', '-a', '-f'])).toBe(
      `Deleted Images:\nuntagged: only:1\ndeleted: ${id}\ndeleted: ${layer}\n\nTotal reclaimed space: ${humanSize(dockerLayerSize(busybox), 4)}\n`,
    );
    await rm(own, { recursive: true, force: true });
  });

  it('save of a bare repository name writes every tag of it; of an ID, the image untagged', () => {
    tsbuildOk(root, ['tag', 'bb:1', 'bb:extra']);
    const archive = join(dir, 'repo.tar');
    tsbuildOk(root, ['save', '-o', archive, 'bb']);
    const manifest = JSON.parse(sh('tar', ['-xOf', archive, 'manifest.json'])) as { RepoTags: string[] }[];
    expect(manifest.map((m) => m.RepoTags)).toEqual([['bb:1', 'bb:extra']]);
    const id = tsbuildOk(root, ['images', '-q', 'bb:1']).trim();
    tsbuildOk(root, ['save', '-o', archive, id]);
    expect(JSON.parse(sh('tar', ['-xOf', archive, 'manifest.json']))).toEqual([expect.objectContaining({ RepoTags: [] })]);
    tsbuildOk(root, ['rmi', 'bb:extra']);
  });

  it('keeps every tag when several processes import into one root at once', async () => {
    const runs = Array.from({ length: 4 }, (_, i) =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, [cliPath, '--root', root, 'import', '-c', `CMD ["p${i}"]`, busybox, `parallel:${i}`], { stdio: 'ignore' });
        child.on('exit', (code) => resolve(code ?? -1));
      }),
    );
    expect(await Promise.all(runs)).toEqual([0, 0, 0, 0]);
    expect(tsbuildOk(root, ['images', '-q', 'parallel']).trim().split('\n')).toHaveLength(4);
    for (let i = 0; i < 4; i++) expect(tsbuildOk(root, ['inspect', '-f', '{{json .Config.Cmd}}', `parallel:${i}`])).toBe(`["p${i}"]\n`);
    for (let i = 0; i < 4; i++) tsbuildOk(root, ['rmi', `parallel:${i}`]);
    checkStoreConsistent(root);
  });

  it('asks before pruning unless -f, and marks the state root with CACHEDIR.TAG', () => {
    tsbuildOk(root, ['import', '-c', 'CMD ["a"]', busybox, 'prompt:1']);
    tsbuildOk(root, ['import', '-c', 'CMD ["b"]', busybox, 'prompt:1']);
    const declined = tsbuildOk(root, ['system', 'prune'], 'n\n');
    expect(declined).toContain('WARNING! This will remove:\n  - all stopped containers\n');
    expect(declined).toMatch(/Are you sure you want to continue\? \[y\/N\] $/);
    expect(tsbuildOk(root, ['images', '-q', '-f', 'dangling=true'])).not.toBe('');
    expect(tsbuildOk(root, ['image', 'prune'], 'y\n')).toMatch(/\[y\/N\] Deleted Images:\ndeleted: sha256:[a-f0-9]{64}\n\nTotal reclaimed space: /);
    expect(tsbuildOk(root, ['images', '-q', '-f', 'dangling=true'])).toBe('');
    tsbuildOk(root, ['rmi', 'prompt:1']);
    expect(readFileSync(join(root, 'CACHEDIR.TAG'), 'utf8')).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55\n/);
  });

  it('system df counts images', () => {
    expect(tsbuildOk(root, ['system', 'df'])).toMatch(
      new RegExp(`^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE\nImages +2 +0 +${summarySize} +${summarySize} \\(100%\\)\nContainers +0 +0 +0B +0B\n`),
    );
  });

  it('imports gzip and xz rootfs tarballs from a file and from stdin', () => {
    const gz = join(dir, 'rootfs.tar.gz');
    sh('sh', ['-c', `gzip -c "${busybox}" > "${gz}"`]);
    const xz = join(dir, 'rootfs.tar.xz');
    sh('sh', ['-c', `xz -T1 -0 -c "${busybox}" > "${xz}"`]);
    const plain = tsbuildOk(root, ['import', '-m', 'same', busybox]).trim();
    const config = (id: string): string => tsbuildOk(root, ['inspect', '-f', '{{json .RootFS}}', id]);
    const fromGz = tsbuildOk(root, ['import', '-m', 'same', gz]).trim();
    const fromXz = tsbuildOk(root, ['import', '-m', 'same', '-'], readFileSync(xz)).trim();
    expect(config(fromGz)).toBe(config(plain));
    expect(config(fromXz)).toBe(config(plain));
    expect(strayIngests(root)).toEqual([]);
  });
});
