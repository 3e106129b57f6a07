import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { familiarReference, formatReference, parseReference } from '../../src/image/reference.js';

describe('parseReference (Docker normalisation)', () => {
  const cases: [string, string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['me/app', 'docker.io/me/app:latest', 'me/app:latest'],
    ['docker.io/library/busybox:latest', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/me/app:v1', 'docker.io/me/app:v1', 'me/app:v1'],
    ['localhost:5000/a/b:tag', 'localhost:5000/a/b:tag', 'localhost:5000/a/b:tag'],
    ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
    ['ghcr.io/owner/repo:1.0-rc_1', 'ghcr.io/owner/repo:1.0-rc_1', 'ghcr.io/owner/repo:1.0-rc_1'],
    ['[::1]:5000/x:y', '[::1]:5000/x:y', '[::1]:5000/x:y'],
    [`busybox@sha256:${'a'.repeat(64)}`, `docker.io/library/busybox@sha256:${'a'.repeat(64)}`, `busybox@sha256:${'a'.repeat(64)}`],
    ['a__b-c/e---f.g:T_1', 'docker.io/a__b-c/e---f.g:T_1', 'a__b-c/e---f.g:T_1'],
  ];
  it.each(cases)('%s → %s', (input, canonical, familiar) => {
    const ref = parseReference(input);
    expect(formatReference(ref)).toBe(canonical);
    expect(familiarReference(ref)).toBe(familiar);
  });

  const invalid: [string, string][] = [
    ['', 'invalid reference format'],
    ['Busybox', 'invalid reference format: repository name (library/Busybox) must be lowercase'],
    ['busybox:', 'invalid reference format'],
    ['busybox:-x', 'invalid reference format'],
    ['a//b', 'invalid reference format'],
    ['-a', 'invalid reference format'],
    ['a_/b', 'invalid reference format'],
    ['a_b.c/d', 'invalid reference format'],
    ['busybox@sha256:abc', 'invalid reference format'],
    ['a'.repeat(64), `invalid reference format: repository name (library/${'a'.repeat(64)}) cannot be 64-byte hexadecimal strings`],
    [`x/${'a'.repeat(260)}`, 'invalid reference format: repository name must not be more than 255 characters'],
  ];
  it.each(invalid)('rejects %j', (input, message) => {
    expect(() => parseReference(input)).toThrow(UserError);
    expect(() => parseReference(input)).toThrow(message);
  });
});
