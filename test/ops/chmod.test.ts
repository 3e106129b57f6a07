import { describe, expect, it } from 'vitest';
import { parseChmod } from '../../src/ops/chmod.js';
import { UserError } from '../../src/errors.js';

describe('parseChmod', () => {
  it('takes octal modes with or without a leading zero', () => {
    expect(parseChmod('0644').apply(0o700, false)).toBe(0o644);
    expect(parseChmod('777').apply(0o700, false)).toBe(0o777);
    expect(parseChmod('0').apply(0o755, true)).toBe(0);
    expect(parseChmod('4755').apply(0o644, false)).toBe(0o4755);
  });

  it('rejects values above 07777 and non-modes with BuildKit message', () => {
    expect(() => parseChmod('10000')).toThrow("invalid chmod parameter: '10000'. it should be octal string and between 0 and 07777");
    expect(() => parseChmod('64a')).toThrow(UserError);
    expect(() => parseChmod('64a')).toThrow("invalid chmod parameter: '64a'. it should be octal string and between 0 and 07777");
  });

  // Expected values are what `chmod <mode>` gives (buildkit-behaviors.md §14, testChmodNonOctal).
  it.each([
    ['go-w', 0o666, false, 0o644],
    ['go-w', 0o777, true, 0o755],
    ['u=rw,g=r,o=r', 0o777, false, 0o644],
    ['a+X', 0o644, false, 0o644],
    ['a+X', 0o744, false, 0o755],
    ['a+X', 0o600, true, 0o711],
    ['u+rw,g+r,o-x,o+w', 0o701, false, 0o742],
    ['g=u', 0o750, false, 0o770],
    ['u+s', 0o755, false, 0o4755],
    ['+t', 0o777, true, 0o1777],
  ])('applies %s to %o (dir=%s) → %o', (mode, before, isDirectory, after) => {
    expect(parseChmod(mode).apply(before, isDirectory)).toBe(after);
  });

  // fsutil's copier: MkdirAll(os.FileMode(mode)) keeps permission bits only; a symbolic mode leaves 0755.
  it.each([
    ['770', 0o770],
    ['4711', 0o711],
    ['go-w', 0o755],
    ['u=rw', 0o755],
  ])('creates directories for --chmod=%s with %o', (mode, created) => {
    expect(parseChmod(mode).createdDirectoryMode).toBe(created);
  });
});
