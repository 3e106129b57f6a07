// Hostile and broken archives fed to `load` and `import`: each fails with a clear message and a
// non-zero exit, writes nothing outside the state root, and leaves the store consistent.
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeIf } from '../helpers/capabilities.js';
import { buildTar, truncatedTar } from '../snapshot/tar-fixtures.js';
import { ociArchive, sha } from '../image/archive-fixtures.js';
import { blobNames, checkStoreConsistent, cliBuilt, imageState, strayIngests, tsbuild, tsbuildOk } from './image-helpers.js';

let dir: string;
let root: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-e2e-hostile-'));
  root = join(dir, 'state');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const goodLayer = (): Promise<Buffer> => buildTar([{ name: 'hello', body: 'hello' }]);

const loadCases: [string, () => Promise<Buffer>, string][] = [
  ['path traversal', async () => ociArchive({ layer: await goodLayer(), extra: [{ name: '../evil', body: 'x' }] }), 'invalid image archive: tar entry "../evil" escapes the target directory'],
  ['absolute name', async () => ociArchive({ layer: await goodLayer(), extra: [{ name: '/tmp/evil', body: 'x' }] }), 'invalid image archive: tar entry "/tmp/evil" has an absolute name'],
  ['blob whose bytes do not match its name', async () => ociArchive({ layer: await goodLayer(), extra: [{ name: `blobs/sha256/${sha('claimed')}`, body: 'actual' }] }), `does not match the announced sha256:${sha('claimed')}`],
  ['missing config blob', async () => ociArchive({ layer: await goodLayer(), omitBlob: 'config' }), 'invalid image archive: missing blob sha256:'],
  ['missing layer blob', async () => ociArchive({ layer: await goodLayer(), omitBlob: 'layer' }), 'invalid image archive: missing blob sha256:'],
  ['duplicate entries', async () => ociArchive({ layer: await goodLayer(), extra: [{ name: 'oci-layout', body: '{}' }] }), 'invalid image archive: duplicate entry "oci-layout"'],
  ['diffID that does not match the layer', async () => ociArchive({ layer: await goodLayer(), diffIds: [`sha256:${sha('other')}`] }), `invalid image archive: layer 1 has diffID sha256:`],
  ['device node entry', async () => ociArchive({ layer: await goodLayer(), extra: [{ name: 'dev-null', type: 'character-device', devmajor: 1, devminor: 3 }] }), 'invalid image archive: entry "dev-null" has unsupported type character-device'],
  ['symlink out of the archive', async () => ociArchive({ layer: await goodLayer(), extra: [{ name: 'x/link', type: 'symlink', linkname: '../../etc/passwd' }] }), 'invalid image archive: link "x/link" points outside the archive'],
  ['non-UTF-8 entry name', async () => ociArchive({ layer: await goodLayer(), extra: [{ name: 'bad-\uFFFD', body: 'x' }] }), 'has a name that is not valid UTF-8'],
  ['huge declared metadata size', async () => truncatedTar(8_000_000_000, 10).then((t) => Buffer.concat([t.subarray(0, 0), t])).then((t) => renameFirstEntry(t, 'index.json')), 'invalid image archive: metadata file "index.json" is too large'],
  ['truncated archive', async () => (await ociArchive({ layer: await buildTar([{ name: 'big', body: Buffer.alloc(200_000, 'b') }]) })).subarray(0, 150_000), 'invalid image archive'],
  ['garbage', async () => Buffer.alloc(4096, 'not a tar'), 'invalid image archive'],
  ['tar with no image index', async () => buildTar([{ name: 'readme', body: 'hi' }]), 'neither index.json (OCI layout) nor manifest.json (docker-archive) found'],
];

/** Rewrites the first header's name (and checksum) of a tar. */
function renameFirstEntry(tar: Buffer, name: string): Buffer {
  const out = Buffer.from(tar);
  out.fill(0, 0, 100);
  out.write(name, 0, 'latin1');
  out.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of out.subarray(0, 512)) sum += byte;
  out.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return out;
}

const importCases: [string, () => Promise<Buffer>, string][] = [
  ['path traversal', () => buildTar([{ name: 'ok', body: 'x' }, { name: '../evil', body: 'x' }]), 'refusing tar entry: tar entry "../evil" escapes the target directory'],
  ['absolute name', () => buildTar([{ name: '/evil', body: 'x' }]), 'refusing tar entry: tar entry "/evil" has an absolute name'],
  ['hard link out of the tree', () => buildTar([{ name: 'h', type: 'link', linkname: '../../etc/shadow' }]), 'escapes the target directory'],
  ['truncated tar', () => truncatedTar(100_000, 5_000), 'invalid tar archive'],
];

describeIf('hostile archives', cliBuilt(), () => {
  beforeAll(() => {
    tsbuildOk(root, ['import', '-c', 'CMD ["sh"]', '-', 'keep:1'], Buffer.alloc(1024));
  });

  const expectNothingChanged = (before: string, blobsBefore: string[]): void => {
    expect(imageState(root)).toBe(before);
    expect(blobNames(root)).toEqual(blobsBefore);
    expect(strayIngests(root)).toEqual([]);
    checkStoreConsistent(root);
    expect(readdirSync(dir).sort()).toEqual(['input', 'state']);
    expect(existsSync('/tmp/evil') || existsSync(join(dir, 'evil'))).toBe(false);
  };

  it.each(loadCases)('load refuses %s', async (_, make, message) => {
    const before = imageState(root);
    const blobsBefore = blobNames(root);
    const input = join(dir, 'input');
    await writeFile(input, await make());
    const result = tsbuild(root, ['load', '-i', input]);
    expect(result.stderr).toContain(message);
    expect(result.code).toBe(1);
    expectNothingChanged(before, blobsBefore);
  });

  it.each(importCases)('import refuses %s', async (_, make, message) => {
    const before = imageState(root);
    const blobsBefore = blobNames(root);
    const input = join(dir, 'input');
    await writeFile(input, await make());
    const result = tsbuild(root, ['import', input, 'hostile:2']);
    expect(result.stderr).toContain(message);
    expect(result.code).toBe(1);
    expectNothingChanged(before, blobsBefore);
  });
});
