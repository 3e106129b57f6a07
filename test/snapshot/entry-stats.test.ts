// lstatMany through EntryStats against fs.lstatSync: the fields a layer's tar headers are made of.
import { execFileSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchedStats, EntryStats } from '../../src/snapshot/entry-stats.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbuild-entry-stats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(join(dir, 'file'), 'hello');
utimesSync(join(dir, 'file'), 1_700_000_000.75, 1_700_000_000.75);
linkSync(join(dir, 'file'), join(dir, 'hard'));
mkdirSync(join(dir, 'dir'), { mode: 0o2750 });
symlinkSync('file', join(dir, 'link'));
execFileSync('mkfifo', [join(dir, 'fifo')]);
const paths = ['file', 'hard', 'dir', 'link', 'fifo'].map((name) => join(dir, name)).concat('/dev/null');

describe('EntryStats', () => {
  it('gives what lstat gives, by field', () => {
    const stats = EntryStats.of(paths);
    expect(paths.map((_, i) => stats.type(i))).toEqual(['file', 'file', 'directory', 'symlink', 'fifo', 'character-device']);
    paths.forEach((path, i) => {
      const st = lstatSync(path);
      expect(stats.permissions(i)).toBe(st.mode & 0o7777);
      expect([stats.uid(i), stats.gid(i), stats.size(i), stats.links(i)]).toEqual([st.uid, st.gid, st.size, st.nlink]);
      expect(stats.mtimeSeconds(i)).toBe(Math.floor(st.mtimeMs / 1000));
    });
    expect(stats.mtimeSeconds(0)).toBe(1_700_000_000);
    expect(stats.inode(0)).toBe(stats.inode(1));
    expect(stats.inode(0)).not.toBe(stats.inode(2));
    expect(stats.device(5)).toEqual({ major: 1, minor: 3 });
  });

  it('fails for a missing path, naming it', () => {
    expect(() => EntryStats.of([join(dir, 'file'), join(dir, 'gone')])).toThrow(expect.objectContaining({ code: 'ENOENT', message: expect.stringContaining(join(dir, 'gone')) }));
  });

  it('takes stats a batch at a time, in order', () => {
    const batched = new BatchedStats(paths, 2);
    const seen = paths.map(() => batched.next());
    expect(seen.map((s) => s.path)).toEqual(paths);
    expect(seen.map((s) => s.row)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(seen.map((s) => s.stats.type(s.row))).toEqual(['file', 'file', 'directory', 'symlink', 'fifo', 'character-device']);
    expect(() => batched.next()).toThrow(/more paths/);
  });
});
