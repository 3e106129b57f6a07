// The containerd rules every snapshotter shares (key vs name, parent chains, what may be committed or
// removed), kept on top of SnapshotMetadata. Implementations only say how a snapshot's storage is
// created, mounted, compared and removed.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, NotFoundError, UserError } from '../errors.js';
import { bootId } from './boot-id.js';
import { removeTree } from './remove-tree.js';
import { snapshotMetadata, type SnapshotMetadata, type SnapshotRecord, type SnapshotTable } from './metadata.js';
import type { ChangeSet, Mount, SnapshotInfo, Snapshotter, Usage } from './snapshotter.js';

/** A snapshot with the storage ids of its ancestors, closest parent first. */
export interface ResolvedSnapshot {
  record: SnapshotRecord;
  parentIds: string[];
}

export abstract class BaseSnapshotter implements Snapshotter {
  abstract readonly name: 'overlay' | 'native';
  protected readonly metadata: SnapshotMetadata;
  protected readonly snapshotsDir: string;

  constructor(readonly dir: string) {
    this.metadata = snapshotMetadata(dir);
    this.snapshotsDir = join(dir, 'snapshots');
  }

  /** Folder of one snapshot's storage. */
  protected storageDir(id: string): string {
    return join(this.snapshotsDir, id);
  }

  /** Folder of a snapshot's files: overlay's upper dir, native's whole tree. */
  protected fsDir(id: string): string {
    return join(this.storageDir(id), 'fs');
  }

  protected abstract createStorage(id: string, parentIds: string[], kind: 'active' | 'view'): Promise<void>;
  protected abstract mountsOf(snapshot: ResolvedSnapshot): Mount[];
  protected abstract changesOf(snapshot: ResolvedSnapshot): Promise<ChangeSet>;
  protected abstract usageOf(snapshot: ResolvedSnapshot, counted: Set<number>): Promise<Usage>;
  /** Frees what only an active snapshot needs once it is committed (e.g. overlay's work dir). */
  protected async onCommitted(_id: string): Promise<void> {}

  prepare(key: string, parent?: string): Promise<Mount[]> {
    return this.createActive(key, parent, 'active');
  }

  view(key: string, parent?: string): Promise<Mount[]> {
    return this.createActive(key, parent, 'view');
  }

  async mounts(key: string): Promise<Mount[]> {
    const snapshot = this.resolve(this.metadata.read(), key);
    if (snapshot.record.kind === 'committed') throw new UserError(`snapshot ${key} is committed: prepare or view it to mount it`);
    return this.mountsOf(snapshot);
  }

  async commit(name: string, key: string): Promise<void> {
    const boot = await bootId();
    const id = await this.metadata.update((edit) => {
      const record = edit.table.snapshots[key];
      if (!record) throw new NotFoundError(`snapshot ${key} does not exist`);
      if (record.kind !== 'active') throw new UserError(`snapshot ${key} is ${record.kind === 'view' ? 'a view' : 'already committed'}: only active snapshots can be committed`);
      if (edit.table.snapshots[name]) throw new ConflictError(`snapshot ${name} already exists`);
      edit.delete('snapshots', key);
      edit.set('snapshots', name, { ...record, kind: 'committed', created: new Date().toISOString(), unsyncedBoot: boot });
      return record.id;
    });
    await this.onCommitted(id);
  }

  async hasUnsynced(): Promise<boolean> {
    const boot = await bootId();
    return Object.values((this.metadata.read()).snapshots).some((record) => record.unsyncedBoot === boot);
  }

  async markSynced(syncStart: Date): Promise<void> {
    const boot = await bootId();
    const covered = (record: SnapshotRecord): boolean => record.unsyncedBoot === boot && new Date(record.created) <= syncStart;
    if (!Object.values((this.metadata.read()).snapshots).some(covered)) return;
    await this.metadata.update((edit) => {
      for (const [name, record] of Object.entries(edit.table.snapshots)) {
        if (!covered(record)) continue;
        const { unsyncedBoot: _synced, ...rest } = record;
        edit.set('snapshots', name, rest);
      }
    });
  }

  /**
   * After a crash, a snapshot committed in an earlier boot and never covered by a sync may have lost data
   * that its record still promises: it goes, with everything built on it, and the build cache and `run`
   * make it again from the layer blobs (which are fsynced). Runs once when the snapshotter is opened.
   */
  async dropUnsyncedFromEarlierBoots(): Promise<void> {
    const boot = await bootId();
    const lost = (record: SnapshotRecord): boolean => record.unsyncedBoot !== undefined && record.unsyncedBoot !== boot;
    if (!Object.values((this.metadata.read()).snapshots).some(lost)) return;
    const ids = await this.metadata.update(({ table, delete: drop }) => {
      const dropped = new Set(Object.keys(table.snapshots).filter((name) => lost(table.snapshots[name] as SnapshotRecord)));
      // Descendants come out too: their mounts stack the dropped storage below their own.
      for (let grew = true; grew; ) {
        grew = false;
        for (const [name, record] of Object.entries(table.snapshots)) {
          if (!dropped.has(name) && record.parent !== undefined && dropped.has(record.parent)) {
            dropped.add(name);
            grew = true;
          }
        }
      }
      const storage = [...dropped].map((name) => (table.snapshots[name] as SnapshotRecord).id);
      for (const name of dropped) drop('snapshots', name);
      return storage;
    });
    for (const id of ids) await removeTree(this.storageDir(id));
  }

  async remove(keyOrName: string): Promise<void> {
    const id = await this.metadata.update((edit) => {
      const record = edit.table.snapshots[keyOrName];
      if (!record) throw new NotFoundError(`snapshot ${keyOrName} does not exist`);
      const child = Object.entries(edit.table.snapshots).find(([, other]) => other.parent === keyOrName);
      if (child) throw new ConflictError(`snapshot ${keyOrName} is the parent of ${child[0]}: remove that first`);
      edit.delete('snapshots', keyOrName);
      return record.id;
    });
    await removeTree(this.storageDir(id));
  }

  async ownFiles(keyOrName: string): Promise<string | undefined> {
    const record = (this.metadata.read()).snapshots[keyOrName];
    return record && record.kind !== 'view' ? this.fsDir(record.id) : undefined;
  }

  async stat(keyOrName: string): Promise<SnapshotInfo | undefined> {
    const record = (this.metadata.read()).snapshots[keyOrName];
    return record && toInfo(keyOrName, record);
  }

  async list(): Promise<SnapshotInfo[]> {
    const table = this.metadata.read();
    return Object.entries(table.snapshots)
      .map(([name, record]) => toInfo(name, record))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async usage(keyOrName: string, counted = new Set<number>()): Promise<Usage> {
    return this.usageOf(this.resolve(this.metadata.read(), keyOrName), counted);
  }

  async changes(key: string): Promise<ChangeSet> {
    const snapshot = this.resolve(this.metadata.read(), key);
    if (snapshot.record.kind === 'view') throw new UserError(`snapshot ${key} is a view: it has no changes`);
    return this.changesOf(snapshot);
  }

  private async createActive(key: string, parent: string | undefined, kind: 'active' | 'view'): Promise<Mount[]> {
    const snapshot = await this.metadata.update(async (edit) => {
      if (edit.table.snapshots[key]) throw new ConflictError(`snapshot ${key} already exists`);
      const parentIds = parent === undefined ? [] : this.committedChain(edit.table, parent);
      const id = String(edit.take('nextId'));
      mkdirSync(this.snapshotsDir, { recursive: true });
      await this.createStorage(id, parentIds, kind);
      const record: SnapshotRecord = { id, kind, parent, created: new Date().toISOString() };
      edit.set('snapshots', key, record);
      return { record, parentIds };
    });
    return this.mountsOf(snapshot);
  }

  private committedChain(table: SnapshotTable, parent: string): string[] {
    const record = table.snapshots[parent];
    if (!record) throw new NotFoundError(`parent snapshot ${parent} does not exist`);
    if (record.kind !== 'committed') throw new UserError(`parent snapshot ${parent} is not committed`);
    return [record.id, ...this.resolve(table, parent).parentIds];
  }

  protected resolve(table: SnapshotTable, keyOrName: string): ResolvedSnapshot {
    const record = table.snapshots[keyOrName];
    if (!record) throw new NotFoundError(`snapshot ${keyOrName} does not exist`);
    const parentIds: string[] = [];
    for (let parent = record.parent; parent !== undefined; ) {
      const ancestor = table.snapshots[parent];
      if (!ancestor) throw new NotFoundError(`snapshot ${keyOrName} has a missing ancestor ${parent}`);
      parentIds.push(ancestor.id);
      parent = ancestor.parent;
    }
    return { record, parentIds };
  }
}

function toInfo(name: string, record: SnapshotRecord): SnapshotInfo {
  return { name, kind: record.kind, parent: record.parent, created: new Date(record.created) };
}
