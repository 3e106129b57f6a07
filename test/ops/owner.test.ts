import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOwner } from '../../src/ops/owner.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tsbuild-owner-'));
  await mkdir(join(root, 'etc'));
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1::/:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\nwww:x:1001:101::/:/bin/false\n');
  await writeFile(join(root, 'etc/group'), 'root:x:0:\nwheel:x:10:root\nnobody:x:65534:\nwww:x:101:\n');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('resolveOwner', () => {
  it('resolves a user name to its passwd uid and primary gid', async () => {
    expect(await resolveOwner('www', root)).toEqual({ uid: 1001, gid: 101 });
    expect(await resolveOwner('daemon', root)).toEqual({ uid: 1, gid: 1 });
  });

  it('uses the uid as gid for a number without group', async () => {
    expect(await resolveOwner('1234', root)).toEqual({ uid: 1234, gid: 1234 });
  });

  it('resolves user:group forms with names and numbers', async () => {
    expect(await resolveOwner('1000:nobody', root)).toEqual({ uid: 1000, gid: 65534 });
    expect(await resolveOwner('app:10', root)).toEqual({ uid: 1000, gid: 10 });
    expect(await resolveOwner('www:wheel', root)).toEqual({ uid: 1001, gid: 10 });
  });

  it('takes :group alone as root with that group, and root without a passwd file (llb.WithUser)', async () => {
    expect(await resolveOwner(':wheel', root)).toEqual({ uid: 0, gid: 10 });
    expect(await resolveOwner(':77', root)).toEqual({ uid: 0, gid: 77 });
    expect(await resolveOwner('app:', root)).toEqual({ uid: 1000, gid: 1000 });
    const scratch = await mkdtemp(join(tmpdir(), 'tsbuild-owner-scratch-'));
    try {
      expect(await resolveOwner('root', scratch)).toEqual({ uid: 0, gid: 0 });
      expect(await resolveOwner('5:root', scratch)).toEqual({ uid: 5, gid: 0 });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('fails for unknown names, naming the database', async () => {
    await expect(resolveOwner('ghost', root)).rejects.toThrow('unable to find user ghost: no matching entries in passwd file');
    await expect(resolveOwner('app:ghosts', root)).rejects.toThrow('unable to find group ghosts: no matching entries in group file');
  });

  it('reads /etc/passwd through an absolute symlink inside the root, not the host', async () => {
    const other = await mkdtemp(join(tmpdir(), 'tsbuild-owner-link-'));
    try {
      await mkdir(join(other, 'data'));
      await writeFile(join(other, 'data/passwd'), 'linked:x:77:78::/:/bin/sh\n');
      await symlink('/data', join(other, 'etc'));
      expect(await resolveOwner('linked', other)).toEqual({ uid: 77, gid: 78 });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
