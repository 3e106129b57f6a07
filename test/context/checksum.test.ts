// Key parts of context selections on real trees: what changes them (content, mode, type, symlink
// target), what does not (mtime, owner), and that ignored files are neither walked nor read.
import { chmod, lchown, mkdir, mkdtemp, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ContentHashIndex, initDigests, racyWindowNs, xxh64Of } from '../../cache/index.js';
import { compileIgnore } from '../../grammar/index.js';
import { checksumSelection } from '../../src/context/checksum.js';
import type { SelectionRules } from '../../src/context/selection.js';
import { walkSelected } from '../../src/context/walk.js';
import { isRoot } from '../helpers/capabilities.js';

let work: string | undefined;
let context: string;
const later = { now: (): bigint => BigInt(Date.now()) * 1_000_000n + 10n * racyWindowNs };
const noRules: SelectionRules = { sourceIgnore: undefined, exclude: undefined };

async function partsOf(index = ContentHashIndex.inMemory(later), rules = noRules, owners = false): Promise<string[]> {
  return checksumSelection(index, [{ hostPath: context, relativePath: '' }], rules, { owners });
}

describe('context checksums', () => {
  beforeEach(async () => {
    await initDigests();
    if (work) await rm(work, { recursive: true, force: true });
    work = await mkdtemp(join(tmpdir(), 'tsbuild-ctx-checksum-'));
    context = join(work, 'context');
    await mkdir(join(context, 'src'), { recursive: true });
    await writeFile(join(context, 'src', 'app.js'), 'console.log(1)\n');
    await writeFile(join(context, 'README'), 'readme\n');
    await symlink('src/app.js', join(context, 'link'));
    await chmod(context, 0o755);
    await chmod(join(context, 'src'), 0o755);
    await chmod(join(context, 'src', 'app.js'), 0o644);
    await chmod(join(context, 'README'), 0o644);
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('names every selected entry with type, mode, size and content digest, sorted, parents first', async () => {
    expect(await partsOf()).toEqual([
      'file . dir 755',
      'file README file 644 7 ' + xxh64Of('readme\n'),
      'file link symlink 777 - src/app.js',
      'file src dir 755',
      'file src/app.js file 644 15 ' + xxh64Of('console.log(1)\n'),
    ]);
  });

  it('does not change when only mtimes change', async () => {
    const before = await partsOf();
    for (const path of ['', 'src', 'src/app.js', 'README']) await utimes(join(context, path), 1_000, 1_000);
    expect(await partsOf()).toEqual(before);
  });

  it('changes for content, mode (setuid included) and symlink target', async () => {
    const before = await partsOf();
    await writeFile(join(context, 'src', 'app.js'), 'console.log(2)\n');
    await chmod(join(context, 'README'), 0o4755);
    await unlink(join(context, 'link'));
    await symlink('README', join(context, 'link'));
    const after = await partsOf();
    const changed = after.filter((part, i) => part !== before[i]);
    expect(changed).toEqual([
      'file README file 4755 7 ' + xxh64Of('readme\n'),
      'file link symlink 777 - README',
      'file src/app.js file 644 15 ' + xxh64Of('console.log(2)\n'),
    ]);
  });

  it.skipIf(!isRoot())('leaves the owner out for COPY (context files enter the image as 0:0) but re-reads the file', async () => {
    const index = ContentHashIndex.inMemory(later);
    const before = await partsOf(index);
    await lchown(join(context, 'src', 'app.js'), 1000, 1000);
    expect(await partsOf(index)).toEqual(before);
    expect(index.reads).toBe(3); // README and app.js once, app.js again after its stat changed
  });

  it.skipIf(!isRoot())('puts the owner in when the step sees it (RUN bind mounts)', async () => {
    await lchown(join(context, 'src', 'app.js'), 0, 0);
    const before = await partsOf(undefined, noRules, true);
    expect(before).toContain(`file src/app.js file 644 0:0 15 ${xxh64Of('console.log(1)\n')}`);
    await lchown(join(context, 'src', 'app.js'), 1000, 1000);
    const after = await partsOf(undefined, noRules, true);
    expect(after.filter((part, i) => part !== before[i])).toEqual([`file src/app.js file 644 1000:1000 15 ${xxh64Of('console.log(1)\n')}`]);
  });

  it('a warm index reads nothing', async () => {
    const index = ContentHashIndex.inMemory(later);
    await partsOf(index);
    expect(index.reads).toBe(2);
    await partsOf(index);
    expect(index.reads).toBe(2);
  });

  it('never walks or reads ignored files; prunes ignored directories unless an exception reaches into them', async () => {
    await mkdir(join(context, 'node_modules', 'dep'), { recursive: true });
    await writeFile(join(context, 'node_modules', 'dep', 'index.js'), 'dep\n');
    await mkdir(join(context, 'logs'));
    await writeFile(join(context, 'logs', 'a.log'), 'a\n');
    await writeFile(join(context, 'logs', 'keep.log'), 'keep\n');
    const index = ContentHashIndex.inMemory(later);
    const rules = { sourceIgnore: compileIgnore(['node_modules', 'logs', '!logs/keep.log', 'README']), exclude: compileIgnore(['link']) };
    const paths = (await partsOf(index, rules)).map((part) => part.split(' ')[1]);
    expect(paths).toEqual(['.', 'logs', 'logs/keep.log', 'src', 'src/app.js']);
    expect(index.reads).toBe(2);
  });

  it('applies --exclude relative to the copied source and .dockerignore relative to the context', async () => {
    await writeFile(join(context, 'src', 'app.test.js'), 'test\n');
    const walked = await walkSelected(join(context, 'src'), { contextPath: 'src', relative: '' }, {
      sourceIgnore: compileIgnore(['src/app.js']),
      exclude: compileIgnore(['*.test.js']),
    });
    expect(walked).toEqual([]);
    const kept = await walkSelected(join(context, 'src'), { contextPath: 'src', relative: '' }, { sourceIgnore: compileIgnore(['app.js']), exclude: compileIgnore(['src/*.test.js']) });
    expect(kept.map((entry) => entry.path)).toEqual(['src/app.js', 'src/app.test.js']);
  });
});
