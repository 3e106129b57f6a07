import { existsSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimCacheCollection } from '../../src/cli/cache-gc.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsbuild-cache-gc-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('claimCacheCollection', () => {
  it('starts the clock on a fresh root, then claims a collection once an hour has passed', () => {
    const now = Date.now();
    expect(claimCacheCollection(dir, now)).toBe(false);
    expect(existsSync(join(dir, 'gc.stamp'))).toBe(true);
    expect(claimCacheCollection(dir, now + 59 * 60_000)).toBe(false);
    expect(claimCacheCollection(dir, now + 61 * 60_000)).toBe(true);
    // Claimed: a concurrent or later build does not start another one within the hour.
    expect(statSync(join(dir, 'gc.stamp')).mtimeMs).toBeGreaterThanOrEqual(now + 61 * 60_000 - 1000);
    expect(claimCacheCollection(dir, now + 62 * 60_000)).toBe(false);
    const old = new Date(now - 2 * 60 * 60_000);
    utimesSync(join(dir, 'gc.stamp'), old, old);
    expect(claimCacheCollection(dir, now)).toBe(true);
  });
});
