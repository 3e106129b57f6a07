import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { createXxh64, initDigests, sha256Of, sha256OfStream, xxh64Of } from '../../cache/index.js';

beforeAll(initDigests);

describe('digests', () => {
  it('sha256 of text matches the known vector', () => {
    expect(sha256Of('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('sha256 of a stream equals sha256 of the whole and counts bytes', async () => {
    const parts = [Buffer.from('hello '), Buffer.from('world')];
    const { digest, size } = await sha256OfStream(Readable.from(parts));
    expect(digest).toBe(sha256Of('hello world'));
    expect(size).toBe(11);
  });

  it('xxh64 of text, of bytes and incrementally agree', () => {
    const text = 'tsbuild cache key';
    const whole = xxh64Of(text);
    expect(whole).toMatch(/^xxh64:[0-9a-f]{16}$/);
    expect(xxh64Of(Buffer.from(text))).toBe(whole);
    expect(createXxh64().update('tsbuild ').update('cache key').digest()).toBe(whole);
  });
});
