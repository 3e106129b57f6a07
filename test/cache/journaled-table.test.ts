import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournaledTable, type TableEdit } from '../../cache/index.js';
import { lockState } from '../../src/snapshot/state-lock.js';

interface Item {
  id: string;
  parent: string | undefined;
  created: string;
}
interface Table {
  version: 1;
  nextId: number;
  items: Record<string, Item>;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsbuild-journaled-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** The table as one process opens it; two calls stand for two processes sharing the state root. */
const open = (): JournaledTable<Table> =>
  new JournaledTable<Table>({
    dir,
    name: 'metadata',
    empty: () => ({ version: 1, nextId: 1, items: {} }),
    lock: () => lockState(join(dir, 'metadata.lock'), { retries: 200, minTimeout: 2, maxTimeout: 50 }),
    durable: false,
  });
const item = (edit: TableEdit<Table>, parent?: string): Item => ({ id: String(edit.take('nextId')), parent, created: '2026-01-01T00:00:00.000Z' });
const names = (table: JournaledTable<Table>): string[] => Object.keys(table.read().items).sort();

describe('JournaledTable', () => {
  it('shows a reader what another process changed, and keeps its parsed table while nothing did', async () => {
    const reader = open();
    const writer = open(); // another process sharing the state root
    expect(reader.read().items).toEqual({});
    await writer.update((edit) => edit.set('items', 'a', item(edit)));
    const first = reader.read();
    expect(Object.keys(first.items)).toEqual(['a']);
    expect(reader.read()).toBe(first);

    await writer.update((edit) => {
      edit.delete('items', 'a');
      edit.set('items', 'b', item(edit));
    });
    expect(names(reader)).toEqual(['b']);
    expect(reader.read().nextId).toBe(3);
  });

  it('appends a change to the journal instead of rewriting the table, and compacts a long journal', async () => {
    const metadata = open();
    await metadata.update((edit) => edit.set('items', 'first', item(edit)));
    expect(existsSync(join(dir, 'metadata.json'))).toBe(false);
    expect(readFileSync(join(dir, 'metadata.journal'), 'utf8').trim().split('\n')).toHaveLength(1);

    // ~150 bytes a change: past 64 KiB the table is written whole and the journal starts again.
    for (let i = 0; i < 600; i++) await metadata.update((edit) => edit.set('items', `layer-${i}`, item(edit, 'first')));
    expect(existsSync(join(dir, 'metadata.json'))).toBe(true);
    expect(statSync(join(dir, 'metadata.journal')).size).toBeLessThan(64 * 1024);
    const fresh = open();
    expect(names(fresh)).toHaveLength(601);
    expect(fresh.read().nextId).toBe(602);
    expect(fresh.read().items['layer-599']?.id).toBe('601');
  });

  it('follows another process across its compaction', async () => {
    const reader = open();
    const writer = open();
    await writer.update((edit) => edit.set('items', 'kept', item(edit)));
    expect(names(reader)).toEqual(['kept']);
    for (let i = 0; i < 600; i++) {
      await writer.update((edit) => {
        edit.set('items', `t-${i}`, item(edit));
        if (i > 0) edit.delete('items', `t-${i - 1}`);
      });
    }
    expect(names(reader)).toEqual(['kept', 't-599']);
  });

  it('reads a table written whole by an earlier version, and journals on top of it', async () => {
    const old = { version: 1, nextId: 8, items: { base: { id: '7', parent: undefined, created: '2026-01-01T00:00:00.000Z' } } };
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify(old));
    const metadata = open();
    await metadata.update((edit) => edit.set('items', 'next', item(edit, 'base')));
    expect(names(open())).toEqual(['base', 'next']);
    expect(open().read().items['next']?.id).toBe('8');
  });

  it('skips a line a crash tore, and keeps the next change whole', async () => {
    const metadata = open();
    await metadata.update((edit) => edit.set('items', 'a', item(edit)));
    appendFileSync(join(dir, 'metadata.journal'), '[{"set":"torn","rec');
    expect(names(open())).toEqual(['a']);
    await open().update((edit) => edit.set('items', 'b', item(edit)));
    expect(names(open())).toEqual(['a', 'b']);
    expect(names(metadata)).toEqual(['a', 'b']);
  });

  it('writes no line for a change that changes nothing', async () => {
    const table = open();
    const same: Item = { id: '1', parent: undefined, created: '2026-01-01T00:00:00.000Z' };
    await table.update((edit) => edit.set('items', 'a', same));
    await table.update((edit) => {
      edit.set('items', 'a', { ...same });
      edit.delete('items', 'missing');
    });
    expect(readFileSync(join(dir, 'metadata.journal'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('keeps nothing of a change that failed', async () => {
    const metadata = open();
    await metadata.update((edit) => edit.set('items', 'a', item(edit)));
    await expect(
      metadata.update((edit) => {
        edit.delete('items', 'a');
        edit.set('items', 'b', item(edit));
        throw new Error('storage could not be made');
      }),
    ).rejects.toThrow('storage could not be made');
    expect(names(metadata)).toEqual(['a']);
    expect(names(open())).toEqual(['a']);
  });
});
