// Our archives against other tools: skopeo and umoci read what we write, and we load what they write.
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { openEngine, type Engine } from '../../src/engine.js';
import { exportImage, exportOciLayout } from '../../src/image/export.js';
import { commitImage } from '../../src/image/commit.js';
import { mediaTypes } from '../../src/image/oci.js';
import { parseReference } from '../../src/image/reference.js';
import { writeLayerFromDirectory } from '../../src/snapshot/diff.js';
import { describeIf, hasCommand, isRoot } from '../helpers/capabilities.js';
import { repoRoot } from '../helpers/paths.js';
import { listing } from '../snapshot/tar-fixtures.js';
import { blobNames, checkStoreConsistent, cliBuilt, sh, tsbuildOk } from './image-helpers.js';

const busybox = join(repoRoot, '.tsbuild-bases', 'busybox.tar');
let dir: string;
let root: string;
let engine: Engine;
let imageId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-e2e-interop-'));
  root = join(dir, 'state');
  if (cliBuilt().length > 0) return;
  imageId = tsbuildOk(root, ['import', '-c', 'CMD ["sh"]', busybox, 'bb:latest']).trim();
  engine = await openEngine({ ...resolveConfig({ root }), root });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const tools: Record<string, string> = { skopeo: 'skopeo', umoci: 'umoci', setcap: 'libcap2-bin', getcap: 'libcap2-bin' };
const missing = [
  ...cliBuilt(),
  ...(isRoot() ? [] : ['root']),
  ...Object.entries(tools)
    .filter(([command]) => !hasCommand(command))
    .map(([command, pkg]) => `${command} (apt-get install ${pkg})`),
];

describeIf('image interop with skopeo and umoci', missing, () => {
  it('skopeo reads our saved tar as oci-archive and as docker-archive', () => {
    const archive = join(dir, 'save.tar');
    tsbuildOk(root, ['save', '-o', archive, 'bb']);
    const asOci = JSON.parse(sh('skopeo', ['inspect', '--config', `oci-archive:${archive}`])) as { config: { Cmd: string[] } };
    expect(asOci.config.Cmd).toEqual(['sh']);
    const asDocker = JSON.parse(sh('skopeo', ['inspect', `docker-archive:${archive}`])) as { Layers: string[] };
    expect(asDocker.Layers).toHaveLength(1);
    const copied = join(dir, 'copied-oci');
    sh('skopeo', ['copy', '-q', `docker-archive:${archive}`, `oci:${copied}:x`]);
    sh('skopeo', ['copy', '-q', `oci-archive:${archive}`, `dir:${join(dir, 'copied-dir')}`]);
  });

  it('skopeo accepts our OCI layout directory, and umoci unpacks it to the tree our apply makes', async () => {
    const layout = join(dir, 'layout');
    const image = await engine.images.resolve('bb');
    await exportImage(engine.images, image, { type: 'oci-layout', dir: layout, ref: parseReference('bb:latest') });
    const inspected = JSON.parse(sh('skopeo', ['inspect', '--config', `oci:${layout}:latest`])) as { rootfs: { diff_ids: string[] } };
    expect(inspected.rootfs.diff_ids).toHaveLength(1);
    const bundle = join(dir, 'bundle');
    sh('umoci', ['unpack', '--image', `${layout}:latest`, bundle]);
    const ours = join(dir, 'ours');
    await mkdir(ours);
    await exportImage(engine.images, image, { type: 'local', dir: ours });
    expect(listing(ours)).toBe(listing(join(bundle, 'rootfs')));
    const rootfsTar = join(dir, 'rootfs.tar');
    await exportImage(engine.images, image, { type: 'tar', out: createWriteStream(rootfsTar), scratchDir: engine.paths.tmp });
    const fromTar = join(dir, 'from-rootfs-tar');
    await mkdir(fromTar);
    sh('tar', ['--numeric-owner', '-xpf', rootfsTar, '-C', fromTar]);
    expect(listing(fromTar)).toBe(listing(ours));
  });

  it('umoci (Go archive/tar) reads our binary security.capability xattrs intact', async () => {
    const tree = join(dir, 'caps-tree');
    await mkdir(join(tree, 'bin'), { recursive: true });
    await writeFile(join(tree, 'bin', 'ping'), 'x');
    sh('setcap', ['cap_net_raw,cap_setuid+ep', join(tree, 'bin', 'ping')]);
    const layer = await writeLayerFromDirectory(engine.content, tree);
    const image = await commitImage(engine.content, {
      config: { architecture: 'amd64', os: 'linux' },
      layers: [{ descriptor: { mediaType: mediaTypes.ociLayer, digest: layer.digest, size: layer.size } }],
    });
    const layout = join(dir, 'caps-layout');
    await exportOciLayout(engine.images, { manifestDigest: image.manifestDigest, refs: [parseReference('caps:1')] }, layout);
    const bundle = join(dir, 'caps-bundle');
    sh('umoci', ['unpack', '--image', `${layout}:1`, bundle]);
    expect(sh('getcap', [join(bundle, 'rootfs', 'bin', 'ping')])).toContain('cap_setuid,cap_net_raw=ep');
  });

  it('loads a docker-archive written by skopeo copy with the same image ID', () => {
    const archive = join(dir, 'save2.tar');
    tsbuildOk(root, ['save', '-o', archive, 'bb']);
    const skopeoTar = join(dir, 'skopeo-docker.tar');
    sh('skopeo', ['copy', '-q', `oci-archive:${archive}:latest`, `docker-archive:${skopeoTar}:from/skopeo:1`]);
    expect(tsbuildOk(root, ['load', '-i', skopeoTar])).toBe('Loaded image: from/skopeo:1\n');
    expect(tsbuildOk(root, ['inspect', '-f', '{{.Id}}', 'from/skopeo:1'])).toBe(`${imageId}\n`);
    checkStoreConsistent(root);
  });

  it('loads an OCI layout made by umoci (gzip layers), tar\'d and gzip\'d', () => {
    const layout = join(dir, 'umoci-layout');
    const content = join(dir, 'umoci-content');
    sh('sh', ['-c', `mkdir -p "${content}/app" && echo hello > "${content}/app/hello" && chmod 4755 "${content}/app/hello"`]);
    sh('umoci', ['init', '--layout', layout]);
    sh('umoci', ['new', '--image', `${layout}:t`]);
    sh('umoci', ['insert', '--image', `${layout}:t`, join(content, 'app'), '/app']);
    sh('umoci', ['config', '--image', `${layout}:t`, '--config.cmd', '/app/hello']);
    const tarball = join(dir, 'umoci.tar.gz');
    sh('sh', ['-c', `cd "${layout}" && tar -czf "${tarball}" .`]);
    const out = tsbuildOk(root, ['load', '-i', tarball]);
    const id = /^Loaded image ID: (sha256:[a-f0-9]{64})\n$/.exec(out)?.[1];
    expect(id).toBeDefined();
    const umociConfig = JSON.parse(sh('skopeo', ['inspect', '--raw', '--config', `oci:${layout}:t`])) as { rootfs: { diff_ids: string[] } };
    expect(tsbuildOk(root, ['inspect', '-f', '{{json .RootFS.Layers}} {{json .Config.Cmd}}', id as string])).toBe(`${JSON.stringify(umociConfig.rootfs.diff_ids)} ["/app/hello"]\n`);
    // The gzip'd original layer is not kept beside its uncompressed copy.
    const umociManifest = JSON.parse(sh('skopeo', ['inspect', '--raw', `oci:${layout}:t`])) as { layers: { digest: string }[] };
    expect(blobNames(root)).not.toContain(umociManifest.layers[0]?.digest.slice('sha256:'.length));
    checkStoreConsistent(root);
  });
});
