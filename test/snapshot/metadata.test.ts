import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnapshotMetadata } from '../../src/snapshot/metadata.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-metadata-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('SnapshotMetadata', () => {
  it('parses the table again only when the file changed, whoever changed it', async () => {
    const reader = new SnapshotMetadata(dir);
    const writer = new SnapshotMetadata(dir); // another process sharing the state root
    expect((await reader.read()).snapshots).toEqual({});
    await writer.update((table) => {
      table.snapshots['a'] = { id: String(table.nextId++), kind: 'committed', parent: undefined, created: '2026-01-01T00:00:00.000Z' };
    });
    const first = await reader.read();
    expect(Object.keys(first.snapshots)).toEqual(['a']);
    expect(await reader.read()).toBe(first); // unchanged file: the same parsed table

    await writer.update((table) => {
      delete table.snapshots['a'];
      table.snapshots['b'] = { id: String(table.nextId++), kind: 'committed', parent: undefined, created: '2026-01-01T00:00:00.000Z' };
    });
    expect(Object.keys((await reader.read()).snapshots)).toEqual(['b']);
    // An update edits a fresh copy: what a reader holds stays as it was read.
    expect(Object.keys(first.snapshots)).toEqual(['a']);
  });
});
