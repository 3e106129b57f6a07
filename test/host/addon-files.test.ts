// The addon's batch file calls: linkFiles reports each link's errno without stopping; readFiles and
// linkFiles refuse arguments that do not fit before anything runs on the thread pool.
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostAddon } from '../../src/host/addon.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbuild-addon-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'a'), 'alpha');
writeFileSync(join(dir, 'taken'), 'taken');

describe('linkFiles', () => {
  it('makes every link it can and says why the others failed', async () => {
    const errors = new Int32Array(3);
    await hostAddon().linkFiles([join(dir, 'a'), join(dir, 'a2'), join(dir, 'gone'), join(dir, 'b'), join(dir, 'a'), join(dir, 'taken')], errors);
    expect(lstatSync(join(dir, 'a2')).ino).toBe(lstatSync(join(dir, 'a')).ino);
    expect(existsSync(join(dir, 'b'))).toBe(false);
    expect(readFileSync(join(dir, 'taken'), 'utf8')).toBe('taken');
    expect([...errors]).toEqual([0, 2 /* ENOENT */, 17 /* EEXIST */]);
  });

  it('refuses an odd list of paths or a results array of the wrong size', () => {
    expect(() => hostAddon().linkFiles([join(dir, 'a')], new Int32Array(1))).toThrow(TypeError);
    expect(() => hostAddon().linkFiles([join(dir, 'a'), join(dir, 'x')], new Int32Array(2))).toThrow(TypeError);
  });
});

describe('readFiles', () => {
  it('reads each range where it is asked to', async () => {
    const memory = Buffer.alloc(8, '.');
    await hostAddon().readFiles(memory, [join(dir, 'a'), join(dir, 'taken')], new Float64Array([0, 1, 3, 4, 0, 4]));
    expect(memory.toString()).toBe('lph.take');
  });

  it('refuses a range that does not fit the buffer', () => {
    expect(() => hostAddon().readFiles(Buffer.alloc(4), [join(dir, 'a')], new Float64Array([2, 0, 3]))).toThrow(TypeError);
    expect(() => hostAddon().readFiles(Buffer.alloc(4), [join(dir, 'a')], new Float64Array([0, 0]))).toThrow(TypeError);
  });
});
