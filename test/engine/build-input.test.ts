import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBuildInput } from '../../src/engine-build.js';

let dir: string;
const noStdin = async (): Promise<Buffer> => {
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
    const fromFile = await readBuildInput({ context: dir, file: '-', readStdin: async () => Buffer.from('FROM a\n') });
    expect(fromFile.dockerfile.text).toBe('FROM a\n');
    expect(fromFile.contextDir).toBe(dir);
    const noContext = await readBuildInput({ context: '-', file: undefined, readStdin: async () => Buffer.from('FROM b\n') });
    expect(noContext).toEqual({ dockerfile: { text: 'FROM b\n', name: 'Dockerfile' }, contextDir: undefined, ignore: undefined, consulted: [] });
  });

  it('takes a tar on stdin, plain or compressed, as the context, with -f inside it; removes it on release', async () => {
    const source = join(dir, 'source');
    await mkdir(join(source, 'docker'), { recursive: true });
    await writeFile(join(source, 'Dockerfile'), 'FROM scratch\nCOPY f /\n');
    await writeFile(join(source, 'docker', 'web.Dockerfile'), 'FROM web\n');
    await writeFile(join(source, 'f'), 'file\n');
    for (const flags of ['-cf', '-czf']) {
      const archive = join(dir, `context${flags}.tar`);
      execFileSync('tar', [flags, archive, '-C', source, '.']);
      const stdin = async (): Promise<Buffer> => readFile(archive);
      const input = await readBuildInput({ context: '-', file: undefined, readStdin: stdin });
      expect(input.dockerfile).toEqual({ text: 'FROM scratch\nCOPY f /\n', name: 'Dockerfile' });
      expect(await readFile(join(input.contextDir as string, 'f'), 'utf8')).toBe('file\n');
      await input.release?.();
      expect(existsSync(input.contextDir as string)).toBe(false);
      const named = await readBuildInput({ context: '-', file: 'docker/web.Dockerfile', readStdin: stdin });
      expect(named.dockerfile).toEqual({ text: 'FROM web\n', name: 'web.Dockerfile' });
      await named.release?.();
    }
    await expect(readBuildInput({ context: '-', file: '-', readStdin: noStdin })).rejects.toThrow("can't use stdin for both build context and dockerfile");
  });

  it('says what is missing with Docker words', async () => {
    await expect(readBuildInput({ context: join(dir, 'nope'), file: undefined, readStdin: noStdin })).rejects.toThrow('unable to prepare context: path');
    await expect(readBuildInput({ context: dir, file: undefined, readStdin: noStdin })).rejects.toThrow('failed to read dockerfile: open Dockerfile: no such file or directory');
  });
});
