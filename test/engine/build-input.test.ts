import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBuildInput } from '../../src/engine-build.js';

let dir: string;
const noStdin = async (): Promise<string> => {
  throw new Error('stdin not expected');
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-build-input-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readBuildInput', () => {
  it('reads CONTEXT/Dockerfile and CONTEXT/.dockerignore', async () => {
    await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(join(dir, '.dockerignore'), '*.log\n');
    const input = await readBuildInput({ context: dir, file: undefined, readStdin: noStdin });
    expect(input.dockerfile).toEqual({ text: 'FROM scratch\n', name: 'Dockerfile' });
    expect(input.contextDir).toBe(dir);
    expect(input.ignore?.ignores('debug.log')).toBe(true);
    expect(input.ignore?.ignores('app.js')).toBe(false);
  });

  it('accepts a lone lower-case dockerfile', async () => {
    await writeFile(join(dir, 'dockerfile'), 'FROM scratch\n');
    const input = await readBuildInput({ context: dir, file: undefined, readStdin: noStdin });
    expect(input.dockerfile.name).toBe('dockerfile');
  });

  it('lets <Dockerfile>.dockerignore replace the context one', async () => {
    await mkdir(join(dir, 'docker'));
    await writeFile(join(dir, 'docker', 'web.Dockerfile'), 'FROM scratch\n');
    await writeFile(join(dir, 'docker', 'web.Dockerfile.dockerignore'), 'secret\n');
    await writeFile(join(dir, '.dockerignore'), '*.log\n');
    const input = await readBuildInput({ context: dir, file: join(dir, 'docker', 'web.Dockerfile'), readStdin: noStdin });
    expect(input.dockerfile.name).toBe('web.Dockerfile');
    expect(input.ignore?.ignores('secret')).toBe(true);
    expect(input.ignore?.ignores('debug.log')).toBe(false);
  });

  it('names the ignore file that does not parse, as BuildKit does', async () => {
    await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
    await writeFile(join(dir, '.dockerignore'), '!\n');
    await expect(readBuildInput({ context: dir, file: undefined, readStdin: noStdin })).rejects.toThrow('failed parsing .dockerignore: illegal exclusion pattern: "!"');
    await writeFile(join(dir, 'Dockerfile.dockerignore'), '!\n');
    await expect(readBuildInput({ context: dir, file: undefined, readStdin: noStdin })).rejects.toThrow('failed parsing Dockerfile.dockerignore: illegal exclusion pattern');
  });

  it('reads the Dockerfile from stdin for -f - and for a - context (no files then)', async () => {
    const fromFile = await readBuildInput({ context: dir, file: '-', readStdin: async () => 'FROM a\n' });
    expect(fromFile.dockerfile.text).toBe('FROM a\n');
    expect(fromFile.contextDir).toBe(dir);
    const noContext = await readBuildInput({ context: '-', file: undefined, readStdin: async () => 'FROM b\n' });
    expect(noContext).toEqual({ dockerfile: { text: 'FROM b\n', name: 'Dockerfile' }, contextDir: undefined, ignore: undefined, consulted: [] });
  });

  it('says what is missing with Docker words', async () => {
    await expect(readBuildInput({ context: join(dir, 'nope'), file: undefined, readStdin: noStdin })).rejects.toThrow('unable to prepare context: path');
    await expect(readBuildInput({ context: dir, file: undefined, readStdin: noStdin })).rejects.toThrow('failed to read dockerfile: open Dockerfile: no such file or directory');
  });
});
