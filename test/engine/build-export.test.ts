import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { exportBuiltImage } from '../../src/engine-build.js';
import { openEngine, type Engine } from '../../src/engine.js';
import { importRootfs } from '../../src/image/import.js';
import { parseReference } from '../../src/image/reference.js';
import type { StoredImage } from '../../src/image/store.js';
import { repoRoot } from '../helpers/paths.js';

let work: string;
let engine: Engine;
let image: StoredImage;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tsbuild-build-export-'));
  engine = await openEngine({ ...resolveConfig({ root: join(work, 'root') }), sourceDateEpoch: undefined });
  image = await importRootfs(engine.images, createReadStream(join(repoRoot, '.tsbuild-bases', 'busybox.tar')), { sourceName: 'busybox.tar', ref: parseReference('app') });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const tarNames = (path: string): string[] => execFileSync('tar', ['-tf', path], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');

describe('exportBuiltImage', () => {
  it('writes each -o kind', async () => {
    const out = (name: string): string => join(work, name);
    await exportBuiltImage(
      engine,
      image,
      [parseReference('app:1')],
      [
        { type: 'image', dest: undefined, attrs: {} },
        { type: 'oci', dest: out('oci.tar'), attrs: {} },
        { type: 'oci', dest: out('oci-dir'), attrs: { tar: 'false' } },
        { type: 'docker', dest: out('docker.tar'), attrs: {} },
        { type: 'tar', dest: out('rootfs.tar'), attrs: {} },
        { type: 'local', dest: out('rootfs'), attrs: {} },
      ],
      new PassThrough(),
    );
    expect(tarNames(out('oci.tar'))).toEqual(expect.arrayContaining(['index.json', 'oci-layout', 'manifest.json']));
    expect(tarNames(out('docker.tar'))).toEqual(expect.arrayContaining(['manifest.json']));
    expect(existsSync(join(out('oci-dir'), 'index.json'))).toBe(true);
    expect(tarNames(out('rootfs.tar'))).toEqual(expect.arrayContaining(['bin/busybox']));
    expect(existsSync(join(out('rootfs'), 'bin', 'busybox'))).toBe(true);
  });

  it('streams a tar kind to standard output for dest=-', async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    await exportBuiltImage(engine, image, [], [{ type: 'tar', dest: '-', attrs: {} }], stdout);
    expect(Buffer.concat(chunks).length).toBeGreaterThan(1_000_000);
  });
});
