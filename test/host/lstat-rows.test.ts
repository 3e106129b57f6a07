// lstatMany through LstatRows against fs.lstatSync (bigint): every field a layer's tar headers and the
// context walks are made of.
import { execFileSync } from 'node:child_process';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchedLstats, LstatRows } from '../../src/host/lstat-rows.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbuild-lstat-rows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(join(dir, 'file'), 'hello');
utimesSync(join(dir, 'file'), 1_600_000_000.25, 1_700_000_000.75);
linkSync(join(dir, 'file'), join(dir, 'hard'));
mkdirSync(join(dir, 'dir'), { mode: 0o2750 });
symlinkSync('file', join(dir, 'link'));
execFileSync('mkfifo', [join(dir, 'fifo')]);
const paths = ['file', 'hard', 'dir', 'link', 'fifo'].map((name) => join(dir, name)).concat('/dev/null');

describe('LstatRows', () => {
  it('gives what lstat gives, by field', () => {
    const rows = LstatRows.of(paths);
    expect(rows.count).toBe(paths.length);
    paths.forEach((path, i) => {
      const st = lstatSync(path, { bigint: true });
      expect([rows.get(i, 'mode'), rows.get(i, 'uid'), rows.get(i, 'gid'), rows.get(i, 'size'), rows.get(i, 'nlink')].map(BigInt)).toEqual([st.mode, st.uid, st.gid, st.size, st.nlink]);
      expect([rows.wide(i, 'devHigh', 'devLow'), rows.wide(i, 'inoHigh', 'inoLow'), rows.wide(i, 'rdevHigh', 'rdevLow')]).toEqual([st.dev, st.ino, st.rdev]);
      expect([rows.nanoseconds(i, 'atime'), rows.nanoseconds(i, 'mtime'), rows.nanoseconds(i, 'ctime')]).toEqual([st.atimeNs, st.mtimeNs, st.ctimeNs]);
    });
    expect(rows.get(0, 'mtimeSeconds')).toBe(1_700_000_000);
    expect(rows.inode(0)).toBe(rows.inode(1));
    expect(rows.inode(0)).not.toBe(rows.inode(2));
    expect([rows.get(5, 'rdevMajor'), rows.get(5, 'rdevMinor')]).toEqual([1, 3]);
  });

  it('fails for a missing path, naming it', () => {
    expect(() => LstatRows.of([join(dir, 'file'), join(dir, 'gone')])).toThrow(expect.objectContaining({ code: 'ENOENT', message: expect.stringContaining(join(dir, 'gone')) }));
  });

  it('takes lstats a batch at a time, in order', () => {
    const batched = new BatchedLstats(paths, 2);
    const seen = paths.map(() => batched.next());
    expect(seen.map((s) => s.path)).toEqual(paths);
    expect(seen.map((s) => s.row)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(seen.map((s) => s.rows.get(s.row, 'mode') & 0o170000)).toEqual([0o100000, 0o100000, 0o040000, 0o120000, 0o010000, 0o020000]);
    expect(() => batched.next()).toThrow(/more paths/);
  });
});
