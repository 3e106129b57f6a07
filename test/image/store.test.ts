import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentStore } from '../../cache/index.js';
import { NotFoundError } from '../../src/errors.js';
import { commitImage } from '../../src/image/commit.js';
import { mediaTypes } from '../../src/image/oci.js';
import { parseReference } from '../../src/image/reference.js';
import { removeImage } from '../../src/image/remove.js';
import { ImageStore, shortId } from '../../src/image/store.js';

let dir: string;
let images: ImageStore;

async function makeImage(marker: string): Promise<{ manifestDigest: `sha256:${string}`; imageId: `sha256:${string}`; layer: `sha256:${string}` }> {
  const layer = await images.content.ingestBytes(Buffer.alloc(1024, marker));
  const result = await commitImage(images.content, {
    config: { architecture: 'amd64', os: 'linux', created: '2020-01-01T00:00:00Z', config: { Cmd: ['sh', marker] } },
    layers: [{ descriptor: { mediaType: mediaTypes.ociLayer, digest: layer.digest, size: layer.size } }],
    history: [{ created: '2020-01-01T00:00:00Z', created_by: marker }],
  });
  return { manifestDigest: result.manifestDigest, imageId: result.imageId, layer: layer.digest };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-images-'));
  images = await ImageStore.open(join(dir, 'images'), await ContentStore.open(join(dir, 'content')));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('commitImage', () => {
  it('derives rootfs from the layers and gives equal digests for equal input', async () => {
    const a = await makeImage('x');
    const b = await makeImage('x');
    expect(a).toEqual(b);
    const config = await images.content.readJson<{ rootfs: { diff_ids: string[] } }>(a.imageId);
    expect(config.rootfs.diff_ids).toEqual([a.layer]);
  });

  it('writes the config as Go marshals it: empty fields left out, map keys sorted', async () => {
    const result = await commitImage(images.content, {
      config: {
        architecture: 'amd64',
        os: 'linux',
        config: { Cmd: [], Entrypoint: null, Labels: { zeta: '1', alpha: '2' }, ExposedPorts: { '8080/tcp': {}, '443/tcp': {} }, Volumes: { '/z': {}, '/a': {} } },
      },
      layers: [],
    });
    const text = (await images.content.readBytes(result.imageId)).toString('utf8');
    expect(text).toContain('"config":{"Labels":{"alpha":"2","zeta":"1"},"ExposedPorts":{"443/tcp":{},"8080/tcp":{}},"Volumes":{"/a":{},"/z":{}}}');
  });
});

describe('ImageStore', () => {
  it('resolves by name, short ID, full ID and name@digest', async () => {
    const img = await makeImage('a');
    await images.add({ manifestDigest: img.manifestDigest, id: img.imageId }, [parseReference('app:1')]);
    for (const text of ['app:1', 'docker.io/library/app:1', shortId(img.imageId), img.imageId, img.imageId.slice(7), `app@${img.manifestDigest}`, img.manifestDigest]) {
      expect((await images.resolve(text)).id, text).toBe(img.imageId);
    }
    await expect(images.resolve('app:2')).rejects.toBeInstanceOf(NotFoundError);
    await expect(images.resolve('app:2')).rejects.toThrow('No such image: app:2');
  });

  it('leaves a dangling <none> image when a tag moves to another image', async () => {
    const first = await makeImage('b1');
    const second = await makeImage('b2');
    await images.add({ manifestDigest: first.manifestDigest, id: first.imageId }, [parseReference('moving')]);
    await images.add({ manifestDigest: second.manifestDigest, id: second.imageId }, [parseReference('moving')]);
    const list = await images.list();
    expect(list.find((i) => i.id === first.imageId)?.tags).toEqual([]);
    expect(list.find((i) => i.id === second.imageId)?.tags).toEqual(['docker.io/library/moving:latest']);
  });

  it('rmi untags while other tags remain, then deletes the image, its unshared blobs and (as docker lists them) its layers by chain ID', async () => {
    const img = await makeImage('c');
    await images.add({ manifestDigest: img.manifestDigest, id: img.imageId }, [parseReference('c1'), parseReference('c2')]);
    const guards = { imageUsers: async (): Promise<string[]> => [], keptBlobs: async () => new Set<string>() };
    expect(await removeImage(images, 'c1', guards)).toEqual([{ untagged: 'c1:latest' }]);
    expect(await images.content.has(img.layer)).toBe(true);
    // One uncompressed layer: its chain ID is its diff ID, the layer's own digest.
    expect(await removeImage(images, 'c2', guards)).toEqual([{ untagged: 'c2:latest' }, { deleted: img.imageId }, { deleted: img.layer }]);
    expect(await images.content.has(img.layer)).toBe(false);
    expect(await images.content.has(img.manifestDigest)).toBe(false);
  });

  it('rmi keeps the blobs the build cache holds', async () => {
    const img = await makeImage('kept');
    await images.add({ manifestDigest: img.manifestDigest, id: img.imageId }, [parseReference('kept')]);
    const events = await removeImage(images, 'kept', { imageUsers: async () => [], keptBlobs: async () => new Set([img.layer]) });
    expect(events).toEqual([{ untagged: 'kept:latest' }, { deleted: img.imageId }]);
    expect(await images.content.has(img.layer)).toBe(true);
    expect(await images.content.has(img.manifestDigest)).toBe(false);
  });

  it('rmi by ID refuses an image in several repositories unless forced', async () => {
    const img = await makeImage('d');
    await images.add({ manifestDigest: img.manifestDigest, id: img.imageId }, [parseReference('d1'), parseReference('d2')]);
    const guards = { imageUsers: async (): Promise<string[]> => [], keptBlobs: async () => new Set<string>() };
    await expect(removeImage(images, shortId(img.imageId), guards)).rejects.toThrow(
      `conflict: unable to delete ${shortId(img.imageId)} (must be forced) - image is referenced in multiple repositories`,
    );
    const events = await removeImage(images, shortId(img.imageId), { ...guards, force: true });
    expect(events).toEqual([{ untagged: 'd1:latest' }, { untagged: 'd2:latest' }, { deleted: img.imageId }, { deleted: img.layer }]);
  });

  it('does not rewrite its state when a tag is set to the image it already names', async () => {
    const img = await makeImage('same');
    await images.add({ manifestDigest: img.manifestDigest, id: img.imageId }, [parseReference('same')]);
    const journal = (): number => statSync(join(images.dir, 'images.journal')).size;
    const before = journal();
    await images.add({ manifestDigest: img.manifestDigest, id: img.imageId }, [parseReference('same')]);
    expect(journal()).toBe(before);
    await images.add({ manifestDigest: img.manifestDigest, id: img.imageId }, [parseReference('same:2')]);
    expect(journal()).toBeGreaterThan(before);
  });

  it('keeps concurrent tag updates from different writers', async () => {
    const img = await makeImage('e');
    await images.add({ manifestDigest: img.manifestDigest, id: img.imageId });
    const other = await ImageStore.open(images.dir, images.content);
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? images : other).tag(parseReference(`e:${i}`), img.manifestDigest)));
    expect((await images.resolve(img.imageId)).tags).toHaveLength(20);
  });
});
