import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SnapshotMetadata, type SnapshotRecord, type TableEdit } from '../../src/snapshot/metadata.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-metadata-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const record = (table: TableEdit, parent?: string): SnapshotRecord => ({ id: table.takeId(), kind: 'committed', parent, created: '2026-01-01T00:00:00.000Z' });
const names = async (metadata: SnapshotMetadata): Promise<string[]> => Object.keys((await metadata.read()).snapshots).sort();

describe('SnapshotMetadata', () => {
  it('shows a reader what another process changed, and keeps its parsed table while nothing did', async () => {
    const reader = new SnapshotMetadata(dir);
    const writer = new SnapshotMetadata(dir); // another process sharing the state root
    expect((await reader.read()).snapshots).toEqual({});
    await writer.update((table) => table.set('a', record(table)));
    const first = await reader.read();
    expect(Object.keys(first.snapshots)).toEqual(['a']);
    expect(await reader.read()).toBe(first);

    await writer.update((table) => {
      table.delete('a');
      table.set('b', record(table));
    });
    expect(await names(reader)).toEqual(['b']);
    expect((await reader.read()).nextId).toBe(3);
  });

  it('appends a change to the journal instead of rewriting the table, and compacts a long journal', async () => {
    const metadata = new SnapshotMetadata(dir);
    await metadata.update((table) => table.set('first', record(table)));
    expect(existsSync(join(dir, 'metadata.json'))).toBe(false);
    expect(readFileSync(join(dir, 'metadata.journal'), 'utf8').trim().split('\n')).toHaveLength(1);

    // ~150 bytes a change: past 64 KiB the table is written whole and the journal starts again.
    for (let i = 0; i < 600; i++) await metadata.update((table) => table.set(`layer-${i}`, record(table, 'first')));
    expect(existsSync(join(dir, 'metadata.json'))).toBe(true);
    expect(statSync(join(dir, 'metadata.journal')).size).toBeLessThan(64 * 1024);
    const fresh = new SnapshotMetadata(dir);
    expect(await names(fresh)).toHaveLength(601);
    expect((await fresh.read()).nextId).toBe(602);
    expect((await fresh.read()).snapshots['layer-599']?.id).toBe('601');
  });

  it('follows another process across its compaction', async () => {
    const reader = new SnapshotMetadata(dir);
    const writer = new SnapshotMetadata(dir);
    await writer.update((table) => table.set('kept', record(table)));
    expect(await names(reader)).toEqual(['kept']);
    for (let i = 0; i < 600; i++) {
      await writer.update((table) => {
        table.set(`t-${i}`, record(table));
        if (i > 0) table.delete(`t-${i - 1}`);
      });
    }
    expect(await names(reader)).toEqual(['kept', 't-599']);
  });

  it('reads a table written whole by an earlier version, and journals on top of it', async () => {
    const old = { version: 1, nextId: 8, snapshots: { base: { id: '7', kind: 'committed', parent: undefined, created: '2026-01-01T00:00:00.000Z' } } };
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify(old));
    const metadata = new SnapshotMetadata(dir);
    await metadata.update((table) => table.set('next', record(table, 'base')));
    expect(await names(new SnapshotMetadata(dir))).toEqual(['base', 'next']);
    expect((await new SnapshotMetadata(dir).read()).snapshots['next']?.id).toBe('8');
  });

  it('skips a line a crash tore, and keeps the next change whole', async () => {
    const metadata = new SnapshotMetadata(dir);
    await metadata.update((table) => table.set('a', record(table)));
    appendFileSync(join(dir, 'metadata.journal'), '[{"set":"torn","rec');
    expect(await names(new SnapshotMetadata(dir))).toEqual(['a']);
    await new SnapshotMetadata(dir).update((table) => table.set('b', record(table)));
    expect(await names(new SnapshotMetadata(dir))).toEqual(['a', 'b']);
    expect(await names(metadata)).toEqual(['a', 'b']);
  });

  it('keeps nothing of a change that failed', async () => {
    const metadata = new SnapshotMetadata(dir);
    await metadata.update((table) => table.set('a', record(table)));
    await expect(
      metadata.update((table) => {
        table.delete('a');
        table.set('b', record(table));
        throw new Error('storage could not be made');
      }),
    ).rejects.toThrow('storage could not be made');
    expect(await names(metadata)).toEqual(['a']);
    expect(await names(new SnapshotMetadata(dir))).toEqual(['a']);
  });
});
