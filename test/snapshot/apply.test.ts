import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { UnsafeLayerError, applyLayer } from '../../src/snapshot/apply.js';
import { hasCommand, isRoot, describeIf } from '../helpers/capabilities.js';
import { repoRoot } from '../helpers/paths.js';
import { buildTar, listing, truncatedTar } from './tar-fixtures.js';

let dir: string;
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-apply-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A fresh target inside its own sandbox folder, so writes beside the target can be detected. */
async function freshTarget(): Promise<{ sandbox: string; target: string }> {
  const sandbox = join(dir, `case-${counter++}`);
  const target = join(sandbox, 'rootfs');
  await mkdir(target, { recursive: true });
  return { sandbox, target };
}

const missing = [...(isRoot() ? [] : ['root']), ...(hasCommand('setfattr') ? [] : ['setfattr (apt-get install attr)'])];

describeIf('applyLayer', missing, () => {
  it('extracts the busybox base exactly as GNU tar does', async () => {
    const ours = await freshTarget();
    const gnu = await freshTarget();
    const tarPath = join(repoRoot, '.tsbuild-bases', 'busybox.tar');
    await applyLayer(ours.target, createReadStream(tarPath));
    execFileSync('tar', ['--numeric-owner', '-xpf', tarPath, '-C', gnu.target]);
    expect(listing(ours.target)).toBe(listing(gnu.target));
    expect(listing(ours.target)).toContain('./bin/busybox f 755 0:0');
  });

  it('keeps owners, setuid bits, mtimes, symlinks, hard links, fifos, devices and binary xattrs', async () => {
    const { target } = await freshTarget();
    // security.capability v2 for cap_setuid (bit 7): bytes include 0x80, which a UTF-8 PAX decoder would mangle.
    const capability = Buffer.from('0000000280000000000000000000000000000000', 'hex');
    const tar = await buildTar([
      { name: 'bin/', type: 'directory', mode: 0o755 },
      { name: 'bin/su', body: 'su', mode: 0o4755, uid: 0, gid: 0 },
      { name: 'bin/ping', body: 'ping', mode: 0o755, pax: { 'SCHILY.xattr.security.capability': capability.toString('latin1') } },
      { name: 'home/app/', type: 'directory', mode: 0o750, uid: 1000, gid: 1000 },
      { name: 'home/app/file', body: 'hi', mode: 0o640, uid: 1000, gid: 1000, mtime: new Date(1_000_000_000_000) },
      { name: 'home/app/hard', type: 'link', linkname: 'home/app/file' },
      { name: 'home/app/sym', type: 'symlink', linkname: '../../bin/su' },
      { name: 'run/fifo', type: 'fifo', mode: 0o600 },
      { name: 'dev/null', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 3 },
    ]);
    await applyLayer(target, [tar]);
    expect((await stat(join(target, 'bin/su'))).mode & 0o7777).toBe(0o4755);
    const file = await stat(join(target, 'home/app/file'));
    expect([file.uid, file.gid, file.mode & 0o777, file.mtimeMs]).toEqual([1000, 1000, 0o640, 1_000_000_000_000]);
    expect((await stat(join(target, 'home/app'))).mode & 0o777).toBe(0o750);
    expect((await stat(join(target, 'home/app/hard'))).ino).toBe(file.ino);
    expect(await readlink(join(target, 'home/app/sym'))).toBe('../../bin/su');
    expect((await lstat(join(target, 'run/fifo'))).isFIFO()).toBe(true);
    const dev = await lstat(join(target, 'dev/null'));
    expect([dev.isCharacterDevice(), dev.rdev]).toEqual([true, 259]);
    const caps = execFileSync('getfattr', ['-n', 'security.capability', '-e', 'hex', '--absolute-names', join(target, 'bin/ping')], { encoding: 'utf8' });
    expect(caps).toContain(`security.capability=0x${capability.toString('hex')}`);
  });

  it('applies whiteouts and opaque directories of an upper layer', async () => {
    const { target } = await freshTarget();
    await applyLayer(target, [
      await buildTar([
        { name: 'etc/', type: 'directory', mode: 0o755 },
        { name: 'etc/a', body: 'a' },
        { name: 'etc/b', body: 'b' },
        { name: 'opt/', type: 'directory', mode: 0o755 },
        { name: 'opt/old', body: 'old' },
        { name: 'opt/sub/', type: 'directory', mode: 0o755 },
      ]),
    ]);
    await applyLayer(target, [
      await buildTar([
        { name: 'etc/.wh.a', body: '' },
        { name: 'opt/', type: 'directory', mode: 0o755 },
        { name: 'opt/new', body: 'new' },
        { name: 'opt/.wh..wh..opq', body: '' },
      ]),
    ]);
    expect((await readdir(join(target, 'etc'))).sort()).toEqual(['b']);
    expect((await readdir(join(target, 'opt'))).sort()).toEqual(['new']);
  });

  it('replaces a directory by a file and a symlink by a file without following it', async () => {
    const { sandbox, target } = await freshTarget();
    await writeFile(join(sandbox, 'victim'), 'untouched');
    await applyLayer(target, [await buildTar([{ name: 'd/', type: 'directory' }, { name: 'd/x', body: 'x' }, { name: 'l', type: 'symlink', linkname: '../victim' }])]);
    await applyLayer(target, [await buildTar([{ name: 'd', body: 'file now' }, { name: 'l', body: 'plain file' }])]);
    expect(await readFile(join(target, 'd'), 'utf8')).toBe('file now');
    expect(await readFile(join(target, 'l'), 'utf8')).toBe('plain file');
    expect(await readFile(join(sandbox, 'victim'), 'utf8')).toBe('untouched');
  });

  it('resolves absolute symlinks in parent paths inside the target', async () => {
    const { target } = await freshTarget();
    await applyLayer(target, [await buildTar([{ name: 'usr/bin/', type: 'directory' }, { name: 'bin', type: 'symlink', linkname: '/usr/bin' }, { name: 'bin/tool', body: 'tool' }])]);
    expect(await readFile(join(target, 'usr/bin/tool'), 'utf8')).toBe('tool');
  });

  it('reads absolute names and hard-link targets of an ADD archive below the target, as moby Untar does', async () => {
    const { sandbox, target } = await freshTarget();
    const archive = await buildTar([
      { name: '/abs/x', body: 'abs', mode: 0o600, uid: 5, gid: 6 },
      { name: '/abs/h', type: 'link', linkname: '/abs/x', mode: 0o640, uid: 7, gid: 8 },
    ]);
    await applyLayer(target, [archive], { archive: true });
    expect(await readFile(join(target, 'abs/x'), 'utf8')).toBe('abs');
    const [x, h] = [await stat(join(target, 'abs/x')), await stat(join(target, 'abs/h'))];
    expect(h.ino).toBe(x.ino);
    // The link entry's metadata wins for the shared inode (moby createTarFile chowns and chmods the link path).
    expect([x.mode & 0o7777, x.uid, x.gid]).toEqual([0o640, 7, 8]);
    expect((await readdir(sandbox)).sort()).toEqual(['rootfs']);
    await expect(applyLayer(target, [await buildTar([{ name: '/../evil', body: 'x' }])], { archive: true })).rejects.toThrow(UnsafeLayerError);
  });

  const hostile: [string, () => Promise<Buffer>, string][] = [
    ['parent traversal', () => buildTar([{ name: '../evil', body: 'x' }]), 'refusing layer entry "../evil": escapes the target directory'],
    ['traversal inside the name', () => buildTar([{ name: 'a/../../evil', body: 'x' }]), 'refusing layer entry "a/../../evil": escapes the target directory'],
    ['absolute name', () => buildTar([{ name: '/evil', body: 'x' }]), 'refusing layer entry "/evil": has an absolute name'],
    ['write through a symlink leaving the target', () => buildTar([{ name: 'esc', type: 'symlink', linkname: '../..' }, { name: 'esc/evil', body: 'x' }]), 'refusing layer entry "esc/evil": its path leaves the target through a symlink'],
    ['hard link to a path outside', () => buildTar([{ name: 'h', type: 'link', linkname: '../victim' }]), 'refusing layer entry "h": hard link target "../victim" is outside the target directory'],
    ['hard link through an escaping symlink', () => buildTar([{ name: 'up', type: 'symlink', linkname: '../' }, { name: 'h', type: 'link', linkname: 'up/victim' }]), 'refusing layer entry "h": its path leaves the target through a symlink'],
    ['whiteout of ..', () => buildTar([{ name: 'sub/.wh...', body: '' }]), 'refusing layer entry "sub/.wh...": whiteout of an invalid name'],
    ['non-UTF-8 name', () => buildTar([{ name: 'bad-\uFFFD', body: 'x' }]), 'its name is not valid UTF-8'],
    ['truncated file body', () => truncatedTar(4096, 100), 'invalid layer tar near entry "big"'],
    ['huge declared size', () => truncatedTar(8_000_000_000, 10), 'invalid layer tar near entry "big"'],
    ['garbage instead of a tar', async () => Buffer.alloc(1024, 'garbage!'), 'invalid layer tar'],
  ];
  it.each(hostile)('refuses %s, writing nothing outside the target', async (_, make, message) => {
    const { sandbox, target } = await freshTarget();
    await writeFile(join(sandbox, 'victim'), 'untouched');
    const error = await applyLayer(target, [await make()]).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain(message);
    expect((await readdir(sandbox)).sort()).toEqual(['rootfs', 'victim']);
    expect(await readFile(join(sandbox, 'victim'), 'utf8')).toBe('untouched');
    await expect(stat(join(dir, 'evil'))).rejects.toThrow();
    await expect(stat('/evil')).rejects.toThrow();
  });

  it('names unsafe entries with a dedicated error class', async () => {
    const { target } = await freshTarget();
    await expect(applyLayer(target, [await buildTar([{ name: '../x', body: '' }])])).rejects.toBeInstanceOf(UnsafeLayerError);
  });
});

describeIf('applyLayer onto an overlay mount', [...missing, ...(hasCommand('mount') ? [] : ['mount'])], () => {
  it('deleting through the merged view leaves a whiteout in the upper dir', async () => {
    const { sandbox } = await freshTarget();
    const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((n) => join(sandbox, n)) as [string, string, string, string];
    for (const d of [lower, upper, work, merged]) await mkdir(d, { recursive: true });
    await writeFile(join(lower, 'gone'), 'x');
    await mkdir(join(lower, 'opaque'));
    await writeFile(join(lower, 'opaque', 'old'), 'x');
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged]);
    try {
      await applyLayer(merged, [await buildTar([{ name: '.wh.gone', body: '' }, { name: 'opaque/', type: 'directory' }, { name: 'opaque/.wh..wh..opq', body: '' }, { name: 'new', body: 'n' }])]);
      expect((await readdir(merged)).sort()).toEqual(['new', 'opaque']);
      expect(await readdir(join(merged, 'opaque'))).toEqual([]);
      const whiteout = await lstat(join(upper, 'gone'));
      expect([whiteout.isCharacterDevice(), whiteout.rdev]).toEqual([true, 0]);
    } finally {
      execFileSync('umount', [merged]);
    }
  });
});
