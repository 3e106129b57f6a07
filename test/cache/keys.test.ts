import { describe, expect, it } from 'vitest';
import { comparePreimages, computeCacheKey, keyItem, partName, sha256Of } from '../../cache/index.js';

describe('computeCacheKey', () => {
  it('is sha256 over one canonical encoding that includes the key version', () => {
    const { key, preimage } = computeCacheKey(['op run v1', 'command ["sh","-c","make"]']);
    expect(key).toBe(sha256Of(JSON.stringify(['tsbuild-cache-key/v1', 'op run v1', 'command ["sh","-c","make"]'])).slice(7));
    expect(preimage).toEqual(['op run v1', 'command ["sh","-c","make"]']);
  });

  it('gives equal parts equal keys and keeps part boundaries', () => {
    expect(computeCacheKey(['a', 'b']).key).toBe(computeCacheKey(['a', 'b']).key);
    expect(computeCacheKey(['a b']).key).not.toBe(computeCacheKey(['a', 'b']).key);
    expect(computeCacheKey(['a\nb']).key).not.toBe(computeCacheKey(['a', 'b']).key);
    expect(computeCacheKey(['b', 'a']).key).not.toBe(computeCacheKey(['a', 'b']).key);
  });
});

describe('partName', () => {
  it.each([
    ['file src/app.js file 644 12 abc', 'file src/app.js'],
    ['arg VERSION=1.2', 'arg VERSION'],
    ['env PATH=/bin:/usr/bin', 'env PATH'],
    ['command ["sh","-c","make"]', 'command'],
    ['parent layers-abc', 'parent'],
    ['link', 'link'],
    [`file ${keyItem('my file.txt')} file 644 12 abc`, 'file "my file.txt"'],
    [`file ${keyItem('say "hi" now')} dir 755`, 'file "say \\"hi\\" now"'],
  ])('%s → %s', (part, name) => {
    expect(partName(part)).toBe(name);
  });
});

describe('keyItem', () => {
  it('quotes only items a space would split (or that start with a quote)', () => {
    expect(keyItem('src/app.js')).toBe('src/app.js');
    expect(keyItem('my file.txt')).toBe('"my file.txt"');
    expect(keyItem('"odd')).toBe('"\\"odd"');
  });
});

describe('comparePreimages', () => {
  it('names added, changed and removed parts', () => {
    const previous = ['command ["make"]', 'arg V=1', 'file a.txt file 644 1 x', 'file gone.txt file 644 1 y'];
    const current = ['command ["make"]', 'arg V=2', 'file a.txt file 644 1 x', 'env NEW=1'];
    expect(comparePreimages(previous, current)).toEqual([
      { name: 'arg V', change: 'changed' },
      { name: 'env NEW', change: 'added' },
      { name: 'file gone.txt', change: 'removed' },
    ]);
  });
});
