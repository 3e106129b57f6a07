import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentStore } from '../../cache/index.js';
import { loadImageArchive } from '../../src/image/archive-read.js';
import { hostArchitecture } from '../../src/image/oci.js';
import { ImageStore } from '../../src/image/store.js';
import { buildTar } from '../snapshot/tar-fixtures.js';
import { ociArchive, sha } from './archive-fixtures.js';

let dir: string;
let images: ImageStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-archive-'));
  images = await ImageStore.open(join(dir, 'images'), await ContentStore.open(join(dir, 'content')));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('loadImageArchive', () => {
  it.skipIf(hostArchitecture() !== 'amd64')('picks this machine\'s manifest from a multi-platform index and names it as the index', async () => {
    const layer = await buildTar([{ name: 'hello', body: 'multi' }]);
    const [loaded] = await loadImageArchive(images, [gzipSync(await ociArchive({ layer, otherPlatform: 'arm64' }))]);
    expect(loaded?.image.tags).toEqual(['docker.io/library/hostile:1']);
    const manifest = await images.manifest(loaded!.image);
    expect(manifest.layers.map((l) => l.digest)).toEqual([`sha256:${sha(layer)}`]);
  });

  it('keeps the archive manifest (and so the RepoDigest) when its layers are already uncompressed OCI', async () => {
    const layer = await buildTar([{ name: 'hello', body: 'same manifest' }]);
    const archive = await ociArchive({ layer });
    const [loaded] = await loadImageArchive(images, [archive]);
    const index = JSON.parse(/\{"schemaVersion":2,"manifests".*?\]\}/s.exec(archive.toString('latin1'))?.[0] ?? '{}') as { manifests: { digest: string }[] };
    expect(loaded?.image.manifestDigest).toBe(index.manifests[0]?.digest);
  });
});
