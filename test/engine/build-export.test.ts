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

const repoTags = (path: string): string[] => (JSON.parse(execFileSync('tar', ['-xOf', path, 'manifest.json'], { encoding: 'utf8' })) as { RepoTags?: string[] }[])[0]?.RepoTags ?? [];
const tarNames = (path: string): string[] => execFileSync('tar', ['-tf', path], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');

describe('exportBuiltImage', () => {
  it('writes each -o kind', async () => {
    const out = (name: string): string => join(work, name);
    await exportBuiltImage(
      engine,
      image,
      [parseReference('app:1')],
      [
        { type: 'image', dest: undefined, attrs: {}, names: undefined },
        { type: 'oci', dest: out('oci.tar'), attrs: {}, names: undefined },
        { type: 'oci', dest: out('oci-dir'), attrs: { tar: 'false' }, names: undefined },
        { type: 'docker', dest: out('docker.tar'), attrs: {}, names: undefined },
        { type: 'tar', dest: out('rootfs.tar'), attrs: {}, names: undefined },
        { type: 'local', dest: out('rootfs'), attrs: {}, names: undefined },
      ],
      new PassThrough(),
    );
    expect(tarNames(out('oci.tar'))).toEqual(expect.arrayContaining(['index.json', 'oci-layout', 'manifest.json']));
    expect(tarNames(out('docker.tar'))).toEqual(expect.arrayContaining(['manifest.json']));
    expect(repoTags(out('docker.tar'))).toEqual(['app:1']);
    expect(existsSync(join(out('oci-dir'), 'index.json'))).toBe(true);
    expect(tarNames(out('rootfs.tar'))).toEqual(expect.arrayContaining(['bin/busybox']));
    expect(existsSync(join(out('rootfs'), 'bin', 'busybox'))).toBe(true);
  });

  it('names the image in an archive by name= when given, instead of the -t tags', async () => {
    const dest = join(work, 'named.tar');
    await exportBuiltImage(engine, image, [parseReference('app:1')], [{ type: 'docker', dest, attrs: {}, names: [parseReference('other:2'), parseReference('reg.example/x/y:3')] }], new PassThrough());
    expect(repoTags(dest)).toEqual(['other:2', 'reg.example/x/y:3']);
  });

  it('streams a tar kind to standard output for dest=-', async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    await exportBuiltImage(engine, image, [], [{ type: 'tar', dest: '-', attrs: {}, names: undefined }], stdout);
    expect(Buffer.concat(chunks).length).toBeGreaterThan(1_000_000);
  });
});
