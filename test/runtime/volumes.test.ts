// -v, --tmpfs and size parsing with Docker's formats and messages.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBytes, parseTmpfs, parseVolume } from '../../src/runtime/volumes.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-volumes-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('parseVolume', () => {
  it('binds a host directory read-write, or read-only with :ro', async () => {
    expect(await parseVolume(`${dir}:/data`)).toEqual({ type: 'bind', source: dir, destination: '/data', options: ['rbind', 'rw'] });
    expect(await parseVolume(`${dir}:/data/:ro`)).toEqual({ type: 'bind', source: dir, destination: '/data', options: ['rbind', 'ro'] });
  });

  it('refuses a missing host path with one clear line', async () => {
    await expect(parseVolume(`${dir}/nope:/data`)).rejects.toThrow(`invalid mount config for type "bind": bind source path does not exist: ${dir}/nope`);
  });

  it('refuses named volumes, relative targets and unknown modes', async () => {
    await expect(parseVolume('vol:/data')).rejects.toThrow('named volumes are not supported');
    await expect(parseVolume(`${dir}:data`)).rejects.toThrow('mount path must be absolute');
    await expect(parseVolume(`${dir}:/data:rx`)).rejects.toThrow('invalid mode: rx');
    await expect(parseVolume('/a')).rejects.toThrow("invalid volume specification: '/a'");
  });
});

describe('parseTmpfs', () => {
  it("uses Docker's defaults and appends options", () => {
    expect(parseTmpfs('/run')).toEqual({ type: 'tmpfs', source: 'tmpfs', destination: '/run', options: ['noexec', 'nosuid', 'nodev'] });
    expect(parseTmpfs('/run:size=1m,exec').options).toEqual(['noexec', 'nosuid', 'nodev', 'size=1m', 'exec']);
  });
});

describe('parseBytes', () => {
  const cases: [string, number][] = [
    ['1024', 1024],
    ['64k', 65536],
    ['64kb', 65536],
    ['512m', 512 * 1024 ** 2],
    ['1G', 1024 ** 3],
    ['1.5g', 1.5 * 1024 ** 3],
  ];
  for (const [text, bytes] of cases) it(`${text} = ${bytes}`, () => expect(parseBytes(text)).toBe(bytes));
  it('refuses garbage', () => expect(() => parseBytes('12x')).toThrow("invalid size: '12x'"));
});
