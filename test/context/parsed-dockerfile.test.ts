// Kept Dockerfile parses (src/context/parsed-dockerfile.ts): the same result as a fresh parse, read back
// rather than parsed again, and never trusted across texts, file names, code versions or when unreadable.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseDockerfile } from '../../grammar/index.js';
import { parseDockerfileKept } from '../../src/context/parsed-dockerfile.js';

let dir: string;
const text = 'FROM busybox AS base\nARG V=1\nRUN --mount=type=cache,target=/c echo $V \\\n  && true\nCOPY --chown=1:1 a b /dst/\nCMD ["sh"]\n';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsbuild-parsed-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A parse as JSON keeps it (undefined fields dropped): what a kept parse must equal. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

it('gives what a fresh parse gives, and keeps it for the next build of the same text', () => {
  const cache = { dir, codeIdentity: 'v1' };
  const fresh = parseDockerfile(text, { file: 'Dockerfile' });
  expect(asJson(parseDockerfileKept(text, 'Dockerfile', cache))).toEqual(asJson(fresh));
  const [kept] = readdirSync(dir);
  expect(readdirSync(dir)).toHaveLength(1);
  // The second call reads the kept parse: a marked copy of it is what comes back.
  const marked = { ...(JSON.parse(readFileSync(join(dir, kept as string), 'utf8')) as object), marked: true };
  writeFileSync(join(dir, kept as string), JSON.stringify(marked));
  expect(parseDockerfileKept(text, 'Dockerfile', cache)).toEqual(marked);
});

it('keeps one parse per text, file name and code identity', () => {
  parseDockerfileKept(text, 'Dockerfile', { dir, codeIdentity: 'v1' });
  parseDockerfileKept(`${text}LABEL a=b\n`, 'Dockerfile', { dir, codeIdentity: 'v1' });
  parseDockerfileKept(text, 'other.Dockerfile', { dir, codeIdentity: 'v1' });
  parseDockerfileKept(text, 'Dockerfile', { dir, codeIdentity: 'v2' });
  expect(readdirSync(dir)).toHaveLength(4);
});

it('parses again when the kept parse cannot be read, and rewrites it', () => {
  const cache = { dir, codeIdentity: 'v1' };
  parseDockerfileKept(text, 'Dockerfile', cache);
  const file = join(dir, readdirSync(dir)[0] as string);
  writeFileSync(file, '{"ast": {"instruc');
  expect(asJson(parseDockerfileKept(text, 'Dockerfile', cache))).toEqual(asJson(parseDockerfile(text, { file: 'Dockerfile' })));
  expect(() => JSON.parse(readFileSync(file, 'utf8')) as unknown).not.toThrow();
});

it('keeps nothing without a code identity (run from sources)', () => {
  expect(asJson(parseDockerfileKept(text, 'Dockerfile', undefined))).toEqual(asJson(parseDockerfile(text, { file: 'Dockerfile' })));
  expect(readdirSync(dir)).toHaveLength(0);
});
