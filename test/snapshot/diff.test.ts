import { execFileSync } from 'node:child_process';
import { chmod, chown, link, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ContentStore, initDigests } from '../../cache/index.js';
import { applyLayer } from '../../src/snapshot/apply.js';
import { writeLayerFromChanges, writeLayerFromDirectory } from '../../src/snapshot/diff.js';
import { describeIf, hasCommand, isRoot } from '../helpers/capabilities.js';
import { listing, tarNames } from './tar-fixtures.js';

let dir: string;
let store: ContentStore;

beforeAll(async () => {
  await initDigests();
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-diff-'));
  store = await ContentStore.open(join(dir, 'content'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function makeTree(root: string, mtime: Date): Promise<void> {
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'home/app'), { recursive: true });
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
  await writeFile(join(root, 'home/app/a'), 'a');
  await link(join(root, 'home/app/a'), join(root, 'home/app/a-hard'));
  await symlink('../etc/passwd', join(root, 'home/link'));
  await writeFile(join(root, 'suid'), 'x');
  await chmod(join(root, 'suid'), 0o4755);
  await chown(join(root, 'home/app'), 1000, 1000);
  await chown(join(root, 'home/app/a'), 1000, 1000);
  execFileSync('setfattr', ['-n', 'user.note', '-v', '0x80ff00', join(root, 'etc/passwd')]);
  for (const p of ['etc/passwd', 'home/app/a', 'suid', 'etc', 'home/app', 'home']) await utimes(join(root, p), mtime, mtime);
}

function tarListing(path: string): string {
  return execFileSync('tar', ['--numeric-owner', '-tvf', path], { encoding: 'utf8' });
}

describeIf('layer diff', [...(isRoot() ? [] : ['root']), ...(hasCommand('getfattr') ? [] : ['getfattr (apt-get install attr)'])], () => {
  it('gives byte-identical layers for equal trees and round-trips through apply', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await makeTree(a, new Date(1_600_000_000_000));
    await makeTree(b, new Date(1_600_000_000_000));
    const la = await writeLayerFromDirectory(store, a);
    const lb = await writeLayerFromDirectory(store, b);
    expect(la).toEqual(lb);
    const list = tarListing(store.blobPath(la.digest));
    expect(tarNames(store.blobPath(la.digest))).toEqual(['etc/', 'etc/passwd', 'home/', 'home/app/', 'home/app/a', 'home/app/a-hard', 'home/link', 'suid']);
    expect(list).toMatch(/^hrw-r--r-- 1000\/1000 +0 .* home\/app\/a-hard link to home\/app\/a$/m);
    expect(list).toMatch(/^-rwsr-xr-x 0\/0 /m);
    const out = join(dir, 'applied');
    await mkdir(out);
    await applyLayer(out, store.read(la.digest));
    expect(listing(out)).toBe(listing(a));
    expect(execFileSync('getfattr', ['-n', 'user.note', '-e', 'hex', '--absolute-names', join(out, 'etc/passwd')], { encoding: 'utf8' })).toContain('user.note=0x80ff00');
  });

  it('keeps the xattrs of the one file that has any among hundreds', async () => {
    const root = join(dir, 'many');
    await mkdir(join(root, 'files'), { recursive: true });
    for (let i = 0; i < 600; i++) await writeFile(join(root, 'files', `f${i}`), String(i));
    execFileSync('setfattr', ['-n', 'user.mark', '-v', '0x01', join(root, 'files/f599')]);
    const layer = await writeLayerFromDirectory(store, root);
    const out = join(dir, 'many-applied');
    await mkdir(out);
    await applyLayer(out, store.read(layer.digest));
    const attrs = execFileSync('getfattr', ['-R', '-d', '-m', '-', '-e', 'hex', '--absolute-names', out], { encoding: 'utf8' });
    expect(attrs.match(/^user\./gm)).toEqual(['user.']);
    expect(attrs).toContain(`# file: ${out}/files/f599\nuser.mark=0x01`);
  });

  it('clamps mtimes to SOURCE_DATE_EPOCH', async () => {
    const root = join(dir, 'epoch');
    await mkdir(root);
    await writeFile(join(root, 'new'), 'n');
    await writeFile(join(root, 'old'), 'o');
    await utimes(join(root, 'old'), new Date(1_000_000_000_000), new Date(1_000_000_000_000));
    const layer = await writeLayerFromDirectory(store, root, { sourceDateEpoch: 1_500_000_000 });
    const list = execFileSync('tar', ['--full-time', '--utc', '-tvf', store.blobPath(layer.digest)], { encoding: 'utf8' });
    expect(list).toMatch(/2017-07-14 02:40:00 new/);
    expect(list).toMatch(/2001-09-09 01:46:40 old/);
  });

  it('writes whiteouts and opaque markers for a change list, with parent directories', async () => {
    const upper = join(dir, 'upper');
    await mkdir(join(upper, 'etc/conf.d'), { recursive: true });
    await writeFile(join(upper, 'etc/conf.d/new'), 'new');
    await mkdir(join(upper, 'var/cache'), { recursive: true });
    const layer = await writeLayerFromChanges(
      store,
      {
        changes: [
          { kind: 'add', path: 'etc/conf.d/new' },
          { kind: 'delete', path: 'etc/old' },
          { kind: 'delete', path: 'etc/gone-dir' },
          { kind: 'delete', path: 'etc/gone-dir/inner' },
          { kind: 'modify', path: 'var/cache', opaque: true },
        ],
        contentRoot: upper,
      },
      { sourceDateEpoch: 0 },
    );
    expect(tarNames(store.blobPath(layer.digest))).toEqual(['etc/', 'etc/.wh.gone-dir', 'etc/.wh.old', 'etc/conf.d/', 'etc/conf.d/new', 'var/', 'var/cache/', 'var/cache/.wh..wh..opq']);
  });
});
