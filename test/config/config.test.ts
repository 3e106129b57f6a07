import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';

describe('resolveConfig', () => {
  it('makes a relative --root absolute (runc and mount run with other working directories)', () => {
    expect(resolveConfig({ root: 'state' }).root).toBe(join(process.cwd(), 'state'));
  });

  it('keeps an absolute --root as given', () => {
    expect(resolveConfig({ root: '/var/tmp/tsbuild-x' }).root).toBe('/var/tmp/tsbuild-x');
  });
});
