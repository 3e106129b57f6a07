import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentStore, initDigests, sha256Of } from '../../cache/index.js';
import type { ImageConfig } from '../../src/image/oci.js';
import { chooseEpoch, commitBuiltImage, type ImageResultInput } from '../../src/ops/image-result.js';

let dir: string;
let content: ContentStore;

beforeAll(async () => {
  await initDigests();
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-image-result-'));
  content = await ContentStore.open(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base: ImageConfig = {
  created: '2024-05-01T10:00:00Z',
  architecture: 'amd64',
  os: 'linux',
  config: { Cmd: ['sh'] },
  rootfs: { type: 'layers', diff_ids: [sha256Of('base layer')] },
  history: [{ created: '2024-05-01T10:00:00Z', comment: 'Imported from busybox.tar' }],
};

const layer = (name: string) => ({ descriptor: { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256Of(name), size: 10 }, diffId: sha256Of(name) });

function input(extra: Partial<ImageResultInput> = {}): ImageResultInput {
  return {
    base,
    config: { Env: ['A=1'], Labels: { stage: 'yes' } },
    history: [{ created_by: 'ENV A=1', comment: 'buildkit.dockerfile.v0', empty_layer: true }, { created_by: 'COPY a /a # buildkit', comment: 'buildkit.dockerfile.v0' }],
    layers: [layer('base layer'), layer('copy')],
    epoch: 1700000000,
    labels: new Map([['cli', 'label']]),
    author: undefined,
    ...extra,
  };
}

describe('chooseEpoch', () => {
  it('takes SOURCE_DATE_EPOCH, else the newest base image, else 0', () => {
    expect(chooseEpoch(42, [base])).toBe(42);
    expect(chooseEpoch(undefined, [base, undefined, { ...base, created: '2020-01-01T00:00:00Z' }])).toBe(Date.parse('2024-05-01T10:00:00Z') / 1000);
    expect(chooseEpoch(undefined, [undefined])).toBe(0);
  });
});

describe('commitBuiltImage', () => {
  it('keeps base history, dates new entries and created with the epoch, adds --label', async () => {
    const result = await commitBuiltImage(content, input());
    expect(result.config.created).toBe('2023-11-14T22:13:20Z');
    expect(result.config.history).toEqual([
      base.history?.[0],
      { created: '2023-11-14T22:13:20Z', created_by: 'ENV A=1', comment: 'buildkit.dockerfile.v0', empty_layer: true },
      { created: '2023-11-14T22:13:20Z', created_by: 'COPY a /a # buildkit', comment: 'buildkit.dockerfile.v0' },
    ]);
    expect(result.config.config?.Labels).toEqual({ stage: 'yes', cli: 'label' });
    expect(result.config.rootfs.diff_ids).toEqual([sha256Of('base layer'), sha256Of('copy')]);
  });

  it('gives the same image ID for the same inputs, another for another epoch', async () => {
    const one = await commitBuiltImage(content, input());
    const two = await commitBuiltImage(content, input());
    const later = await commitBuiltImage(content, input({ epoch: 1700000001 }));
    expect(two.imageId).toBe(one.imageId);
    expect(later.imageId).not.toBe(one.imageId);
  });

  it('uses linux/amd64 and no history of its own for scratch; MAINTAINER sets author', async () => {
    const result = await commitBuiltImage(content, input({ base: undefined, layers: [], history: [], author: 'me@example.com' }));
    expect(result.config.architecture).toBe('amd64');
    expect(result.config.os).toBe('linux');
    expect(result.config.author).toBe('me@example.com');
    expect(result.config.history).toEqual([]);
  });
});
