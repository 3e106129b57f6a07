// ContainerStore on a real directory: records survive reopening, names stay unique, lookups follow Docker.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, UserError } from '../../src/errors.js';
import type { SandboxSpec } from '../../src/executor/executor.js';
import { ContainerStore, newContainerId, type ContainerConfigRecord } from '../../src/runtime/store.js';
import { baseSpec } from '../executor/sandbox-fixture.js';

function sandboxWithoutRootfs({ rootfs: _rootfs, ...rest }: SandboxSpec): Omit<SandboxSpec, 'rootfs'> {
  return rest;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-containers-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function fields(id = newContainerId(), name?: string): Omit<ContainerConfigRecord, 'name' | 'created'> & { name?: string } {
  return {
    id,
    name,
    image: 'busybox',
    imageId: 'sha256:abc',
    snapshotKey: `container-${id}`,
    autoRemove: false,
    command: ['sh'],
    sandbox: { ...sandboxWithoutRootfs(baseSpec(id, ['sh'])), hostname: id.slice(0, 12) },
  };
}

describe('ContainerStore', () => {
  it('keeps config and state across reopening', async () => {
    const store = await ContainerStore.open(dir);
    const created = await store.create(fields(undefined, 'web'));
    await store.setState(created.id, { status: 'exited', exitCode: 3 });
    const again = await ContainerStore.open(dir);
    expect(await again.get(created.id)).toEqual({ config: created, state: { status: 'exited', exitCode: 3 } });
    expect(created.name).toBe('web');
  });

  it('makes up adjective_noun names and refuses a taken one', async () => {
    const store = await ContainerStore.open(dir);
    const first = await store.create(fields());
    expect(first.name).toMatch(/^[a-z]+_[a-z]+\d?$/);
    await store.create(fields(undefined, 'db'));
    const clash = store.create(fields(undefined, '/db'));
    await expect(clash).rejects.toBeInstanceOf(ConflictError);
    await expect(store.create(fields(undefined, 'db'))).rejects.toThrow(/^Conflict\. The container name "\/db" is already in use by container "[a-f0-9]{64}"\./);
  });

  it('keeps names unique under concurrent creates', async () => {
    const store = await ContainerStore.open(dir);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => store.create(fields(undefined, 'same'))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await store.list()).map((c) => c.config.name)).toEqual(['same']);
  });

  it('refuses invalid names', async () => {
    const store = await ContainerStore.open(dir);
    await expect(store.create(fields(undefined, 'a'))).rejects.toThrow('Invalid container name (a), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');
    await expect(store.create(fields(undefined, '-x'))).rejects.toBeInstanceOf(UserError);
  });

  it('resolves full IDs, names and unique prefixes', async () => {
    const store = await ContainerStore.open(dir);
    const a = await store.create(fields(`aa${'0'.repeat(62)}`, 'alpha'));
    await store.create(fields(`ab${'0'.repeat(62)}`, 'beta'));
    expect((await store.resolve(a.id)).config.name).toBe('alpha');
    expect((await store.resolve('beta')).config.id.startsWith('ab')).toBe(true);
    expect((await store.resolve('aa')).config.name).toBe('alpha');
    await expect(store.resolve('a')).rejects.toThrow('multiple IDs found with provided prefix: a');
    await expect(store.resolve('nope')).rejects.toEqual(new NotFoundError('No such container: nope'));
  });

  it('ignores half-written directories and forgets removed containers', async () => {
    const store = await ContainerStore.open(dir);
    const half = join(dir, 'f'.repeat(64));
    await mkdir(half);
    await writeFile(join(half, 'config.json'), '{"trunc');
    const c = await store.create(fields());
    expect((await store.list()).map((x) => x.config.id)).toEqual([c.id]);
    await store.remove(c.id);
    expect(await store.list()).toEqual([]);
  });
});
