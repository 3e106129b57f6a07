// COPY semantics on real temp trees, each expectation taken from buildkit-behaviors.md §12–§15.
import { chmod, chown, link, lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentHashIndex } from '../../cache/index.js';
import { compileIgnore } from '../../grammar/index.js';
import { UserError } from '../../src/errors.js';
import { parseChmod } from '../../src/ops/chmod.js';
import { checksumSources, copyFiles, type CopyRequest } from '../../src/ops/copy-files.js';

let context: string;
let rootfs: string;
const epoch = new Date(0);

function request(sources: string[], destination: string, extra: Partial<CopyRequest> = {}): CopyRequest {
  return { sources, destination, owner: undefined, sourceOwner: 'root', mode: undefined, exclude: undefined, sourceIgnore: undefined, parents: false, createdTime: epoch, unpack: false, tmpDir: tmpdir(), ...extra };
}

async function write(root: string, path: string, content: string): Promise<void> {
  await mkdir(join(root, path, '..'), { recursive: true });
  await writeFile(join(root, path), content);
}

const read = (path: string): Promise<string> => readFile(join(rootfs, path), 'utf8');
const exists = (path: string): Promise<boolean> => lstat(join(rootfs, path)).then(() => true, () => false);
const modeOf = async (path: string): Promise<number> => (await lstat(join(rootfs, path))).mode & 0o7777;
const ownerOf = async (path: string): Promise<string> => {
  const info = await lstat(join(rootfs, path));
  return `${info.uid}:${info.gid}`;
};

beforeEach(async () => {
  context = await mkdtemp(join(tmpdir(), 'tsbuild-copy-ctx-'));
  rootfs = await mkdtemp(join(tmpdir(), 'tsbuild-copy-root-'));
});

afterEach(async () => {
  await rm(context, { recursive: true, force: true });
  await rm(rootfs, { recursive: true, force: true });
});

describe('copyFiles', () => {
  it('copies a file to a new name, and into a directory given with a trailing slash', async () => {
    await write(context, 'testfile', 'hello');
    await copyFiles(context, rootfs, request(['testfile'], '/renamed'));
    await copyFiles(context, rootfs, request(['testfile'], '/sample/'));
    expect(await read('renamed')).toBe('hello');
    expect(await read('sample/testfile')).toBe('hello');
    expect(await modeOf('sample')).toBe(0o755);
  });

  it('copies a file into an existing directory named without a slash', async () => {
    await write(context, 'f', 'x');
    await mkdir(join(rootfs, 'existing'));
    await copyFiles(context, rootfs, request(['f'], '/existing'));
    expect(await read('existing/f')).toBe('x');
  });

  it('copies the contents of a directory source, however it is written', async () => {
    await write(context, 'sub/dir1/dir2/foo', 'foo');
    for (const [source, dest] of [['sub/dir1/', '/d1'], ['sub/dir1/.', '/d2'], ['sub/dir1', '/d3']] as const) {
      await copyFiles(context, rootfs, request([source], dest));
      expect(await read(`${dest}/dir2/foo`)).toBe('foo');
    }
  });

  it('applies .dockerignore below a directory source written with a trailing slash', async () => {
    await write(context, 'src/app.js', 'app');
    await write(context, 'src/secret.key', 'key');
    await copyFiles(context, rootfs, request(['src/'], '/app/', { sourceIgnore: compileIgnore(['src/secret.key']) }));
    expect(await read('app/app.js')).toBe('app');
    expect(await exists('app/secret.key')).toBe(false);
    const parts = await checksumSources(ContentHashIndex.inMemory(), context, { sources: ['src/'], sourceIgnore: compileIgnore(['src/secret.key']), exclude: undefined, parents: false }, { owners: false });
    expect(parts.map((part) => part.split(' ').slice(0, 3).join(' '))).toEqual(['file src dir', 'file src/app.js file']);
  });

  it('expands wildcards: each match into the directory; one match to a file name; none is fine', async () => {
    await write(context, 'foo1.go', '1');
    await write(context, 'foo2.go', '2');
    await write(context, 'bar.txt', 'b');
    await copyFiles(context, rootfs, request(['*.go'], '/gofiles/'));
    expect(await read('gofiles/foo1.go')).toBe('1');
    expect(await read('gofiles/foo2.go')).toBe('2');
    expect(await exists('gofiles/bar.txt')).toBe(false);
    await copyFiles(context, rootfs, request(['b*.txt'], '/single'));
    expect(await read('single')).toBe('b');
    await copyFiles(context, rootfs, request(['bar.txt', 'nomatch*'], '/'));
    expect(await read('bar.txt')).toBe('b');
  });

  // BuildKit matches each path against the whole pattern (Go's path.Match), so a file never stands where the
  // pattern wants a directory, `**` is one component, and an empty match copies nothing, not even `dest/` (but --parents
  // makes it: testCopyParentsMissingDirectory).
  it('matches wildcards through directories only, and makes no destination when nothing matched', async () => {
    await write(context, 'src/a.txt', 'a');
    await write(context, 'src/nested/b.txt', 'b');
    await write(context, 'src/x/y/c.md', 'c');
    await copyFiles(context, rootfs, request(['src/*/b.txt'], '/s7/'));
    expect(await read('s7/b.txt')).toBe('b');
    const parts = await checksumSources(ContentHashIndex.inMemory(), context, { sources: ['src/*/b.txt'], sourceIgnore: undefined, exclude: undefined, parents: false }, { owners: false });
    expect(parts.map((part) => part.split(' ').slice(0, 3).join(' '))).toEqual(['file src/nested/b.txt file']);
    await copyFiles(context, rootfs, request(['src/**/c.md', 'nomatch*', 'src/*/none'], '/g/'));
    expect(await exists('g')).toBe(false);
    await copyFiles(context, rootfs, request(['src/nomatch*/c'], '/out/', { parents: true }));
    expect(await exists('out')).toBe(true);
  });

  it('fails on a wildcard match that is a dangling symlink, as on a plain source', async () => {
    await write(context, 'src/a.txt', 'a');
    await symlink('../outside', join(context, 'src', 'dangling'));
    await expect(copyFiles(context, rootfs, request(['src/*'], '/s/'))).rejects.toThrow(/"\/src\/dangling": not found$/);
  });

  it('fails naming a missing plain source, and says when .dockerignore or the context boundary is why', async () => {
    await expect(copyFiles(context, rootfs, request(['missing'], '/'))).rejects.toThrow(/"\/missing": not found$/);
    await write(context, 'secret.txt', 's');
    const ignore = { ignores: (p: string) => p === 'secret.txt', mayIncludeUnder: () => false };
    await expect(copyFiles(context, rootfs, request(['secret.txt'], '/', { sourceIgnore: ignore }))).rejects.toThrow(
      '"/secret.txt": not found (it is excluded by .dockerignore)',
    );
    await expect(copyFiles(context, rootfs, request(['../outside.txt'], '/'))).rejects.toThrow('"../outside.txt" points outside the build context');
  });

  it('makes context files 0:0 but keeps owners from a stage, and applies --chown to created dirs', async () => {
    await write(context, 'dir/file', 'x');
    await chown(join(context, 'dir/file'), 100, 200);
    await copyFiles(context, rootfs, request(['dir'], '/ctx/'));
    expect(await ownerOf('ctx/file')).toBe('0:0');
    await copyFiles(context, rootfs, request(['dir'], '/stage/', { sourceOwner: 'keep' }));
    expect(await ownerOf('stage/file')).toBe('100:200');
    await copyFiles(context, rootfs, request(['dir'], '/dest/made', { owner: { uid: 300, gid: 400 } }));
    expect(await ownerOf('dest/made')).toBe('300:400');
    expect(await ownerOf('dest/made/file')).toBe('300:400');
  });

  // BuildKit's testCopyChownExistingDir: "creates the target directory (as root), then copies the contents".
  it('makes a new destination of a directory source as root 0755, not after the source directory', async () => {
    await write(context, 'dir/sub/file', 'x');
    await chown(join(context, 'dir'), 100, 200);
    await chown(join(context, 'dir/sub'), 101, 201);
    await chmod(join(context, 'dir'), 0o700);
    await copyFiles(context, rootfs, request(['dir'], '/dir', { sourceOwner: 'keep' }));
    expect(`${await ownerOf('dir')} ${(await modeOf('dir')).toString(8)}`).toBe('0:0 755');
    expect(await ownerOf('dir/sub')).toBe('101:201');
    await mkdir(join(rootfs, 'existing'));
    await chown(join(rootfs, 'existing'), 500, 600);
    await copyFiles(context, rootfs, request(['dir/.'], '/existing', { sourceOwner: 'keep' }));
    expect(await ownerOf('existing')).toBe('500:600');
    expect(await ownerOf('existing/sub')).toBe('101:201');
  });

  it('fails as a user error when a file stands where the destination needs a directory', async () => {
    await write(context, 'f', 'x');
    await write(rootfs, 'bin/tool', 'binary');
    await expect(copyFiles(context, rootfs, request(['f'], '/bin/tool/f'))).rejects.toThrow(new UserError('cannot copy to /bin/tool: /bin/tool is not a directory'));
    await expect(copyFiles(context, rootfs, request(['f'], '/bin/tool/sub/'))).rejects.toThrow(UserError);
    expect(await read('bin/tool')).toBe('binary');
  });

  // BuildKit's copier: "cannot copy to non-directory" (what pnpm's node_modules links run into).
  it('fails where a copied directory meets a symlink or file in the destination, instead of replacing it', async () => {
    await write(context, 'app/node_modules/pkg/index.js', 'i');
    await mkdir(join(rootfs, 'app/node_modules/.store/pkg'), { recursive: true });
    await symlink('.store/pkg', join(rootfs, 'app/node_modules/pkg'));
    await expect(copyFiles(context, rootfs, request(['app'], '/app'))).rejects.toThrow(new UserError('cannot copy to non-directory: /app/node_modules/pkg'));
    expect(await readlink(join(rootfs, 'app/node_modules/pkg'))).toBe('.store/pkg');
    await write(rootfs, 'file', 'f');
    await expect(copyFiles(context, rootfs, request(['app'], '/file'))).rejects.toThrow(new UserError('cannot copy to non-directory: /file'));
  });

  it('leaves an existing destination directory and its other files untouched', async () => {
    await write(context, 'dir/new', 'n');
    await mkdir(join(rootfs, 'app'));
    await chown(join(rootfs, 'app'), 500, 600);
    await write(rootfs, 'app/old', 'o');
    await chown(join(rootfs, 'app/old'), 501, 601);
    await copyFiles(context, rootfs, request(['dir'], '/app', { owner: { uid: 1, gid: 1 } }));
    expect(await ownerOf('app')).toBe('500:600');
    expect(await ownerOf('app/old')).toBe('501:601');
    expect(await ownerOf('app/new')).toBe('1:1');
  });

  it('applies --chmod to copied entries and to the parents it creates', async () => {
    await write(context, 'foo', 'x');
    await copyFiles(context, rootfs, request(['foo'], '/parent/sub/foo', { mode: parseChmod('770') }));
    expect(await modeOf('parent/sub/foo')).toBe(0o770);
    expect(await modeOf('parent/sub')).toBe(0o770);
  });

  it('follows the source symlink itself but keeps links inside a tree, dangling ones too', async () => {
    await write(context, 'sub/foo', 'contents');
    await symlink('sub', join(context, 'link'));
    await symlink('file-404.txt', join(context, 'sub/file-403.txt'));
    await copyFiles(context, rootfs, request(['link/foo'], '/out/'));
    expect(await read('out/foo')).toBe('contents');
    await copyFiles(context, rootfs, request(['link'], '/tree/'));
    expect(await readlink(join(rootfs, 'tree/file-403.txt'))).toBe('file-404.txt');
  });

  it('keeps hard links inside one copy as hard links', async () => {
    await write(context, 'tree/a', 'same');
    await link(join(context, 'tree/a'), join(context, 'tree/b'));
    await copyFiles(context, rootfs, request(['tree'], '/t/'));
    const [a, b] = await Promise.all([lstat(join(rootfs, 't/a')), lstat(join(rootfs, 't/b'))]);
    expect(b.ino).toBe(a.ino);
    expect(a.nlink).toBe(2);
  });

  it('writes through a symlink in the destination, resolved inside the rootfs', async () => {
    await write(context, 'foo', 'x');
    await mkdir(join(rootfs, 'tmp/symlink-target'), { recursive: true });
    await symlink('../tmp/symlink-target', join(rootfs, 'symlink'));
    await copyFiles(context, rootfs, request(['foo'], '/symlink/'));
    expect(await read('tmp/symlink-target/foo')).toBe('x');
  });

  it('keeps source mtimes and sets created directories to the given time', async () => {
    await write(context, 'f', 'x');
    await utimes(join(context, 'f'), new Date(1_000_000_000_000), new Date(1_000_000_000_000));
    await copyFiles(context, rootfs, request(['f'], '/a/b/'));
    expect((await lstat(join(rootfs, 'a/b/f'))).mtimeMs).toBe(1_000_000_000_000);
    expect((await lstat(join(rootfs, 'a'))).mtimeMs).toBe(0);
  });

  it('keeps source paths with --parents, below the last /./ pivot', async () => {
    await write(context, 'foo1/foo2/bar', 'b');
    await write(context, 'test/a/b/c/d/e', 'e');
    await copyFiles(context, rootfs, request(['foo1/foo2/bar'], '/', { parents: true }));
    expect(await read('foo1/foo2/bar')).toBe('b');
    await copyFiles(context, rootfs, request(['test/a/b/./c/d'], '/out/', { parents: true }));
    expect(await read('out/c/d/e')).toBe('e');
  });

  // BuildKit's testCopyRelativeParents: wildcard and doublewildcard / doubleinputs targets.
  it('with --parents, merges what a wildcard before the pivot matched and lets ** span directories', async () => {
    for (const path of ['a/b/c/d/foo', 'a/b/c/d/e/bay', 'a/b2/c/d/e/bar', 'a/b/c2/d/e/baz', 'a/b/c2/d/e2/baz']) await write(context, `test/${path}`, path);
    await copyFiles(context, rootfs, request(['/test/a/./*/c'], '/wild/', { parents: true }));
    expect(await read('wild/b/c/d/foo')).toBe('a/b/c/d/foo');
    expect(await read('wild/b2/c/d/e/bar')).toBe('a/b2/c/d/e/bar');
    await copyFiles(context, rootfs, request(['/test/a/b*/./c/**/e'], '/double/', { parents: true }));
    expect(await read('double/c/d/e/bay')).toBe('a/b/c/d/e/bay');
    expect(await read('double/c/d/e/bar')).toBe('a/b2/c/d/e/bar');
    expect(await exists('double/c/d/foo')).toBe(false);
    expect(await exists('b2')).toBe(false); // nothing lands outside the destination
    await copyFiles(context, rootfs, request(['/test/a/b/c*/./d/**/baz', '/test/a/b*/./c/**/bar'], '/inputs/', { parents: true }));
    expect(await read('inputs/d/e/baz')).toBe('a/b/c2/d/e/baz');
    expect(await read('inputs/d/e2/baz')).toBe('a/b/c2/d/e2/baz');
    expect(await exists('inputs/d/e/bay')).toBe(false);
    expect(await read('inputs/c/d/e/bar')).toBe('a/b2/c/d/e/bar');
    // Without --parents, ** is Go's filepath.Match: one component, like *.
    await copyFiles(context, rootfs, request(['test/a/**/c'], '/plain/'));
    expect(await read('plain/d/foo')).toBe('a/b/c/d/foo');
  });

  it('drops --exclude matches relative to each source, at the depth the pattern says', async () => {
    for (const [path, content] of [['main.js', 'm'], ['debug.log', 'd'], ['tmp/cache', 'c'], ['lib/a.js', 'a'], ['lib/b.log', 'b']]) await write(context, path as string, content as string);
    await copyFiles(context, rootfs, request(['.'], '/app/', { exclude: compileIgnore(['*.log', 'tmp']) }));
    expect(await exists('app/main.js')).toBe(true);
    expect(await exists('app/debug.log')).toBe(false);
    expect(await exists('app/tmp')).toBe(false);
    expect(await exists('app/lib/b.log')).toBe(true); // `*` does not cross `/`
  });

  it('skips paths the context ignore rules exclude', async () => {
    await write(context, 'keep', 'k');
    await write(context, 'secret/token', 's');
    const ignore = { ignores: (p: string) => p === 'secret' || p.startsWith('secret/'), mayIncludeUnder: () => false };
    await copyFiles(context, rootfs, request(['.'], '/app/', { sourceIgnore: ignore }));
    expect(await read('app/keep')).toBe('k');
    expect(await exists('app/secret')).toBe(false);
  });
});
