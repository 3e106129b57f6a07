// The filesystem half of a build step's result: a committed snapshot plus the layers that make it.
// Snapshots are named after the OCI chain ID of their layers, so equal layer chains share one
// snapshot across steps, stages and builds. Also the helpers every filesystem op uses: mount a
// snapshot at a temporary directory, and turn an active snapshot into a layer + committed snapshot.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContentStore, Sha256Digest } from '../../cache/index.js';
import { ConflictError } from '../errors.js';
import { mediaTypes, type Descriptor } from '../image/oci.js';
import { writeLayerFromChanges } from '../snapshot/diff.js';
import type { Mount, Snapshotter } from '../snapshot/snapshotter.js';
import { snapshotNameOf } from './chain-id.js';

export { snapshotNameOf } from './chain-id.js';

export interface Layer {
  descriptor: Descriptor;
  /** Layers are uncompressed locally, so this equals the blob digest. */
  diffId: Sha256Digest;
}

export interface FsState {
  /** Committed snapshot holding the rootfs; undefined for an empty rootfs (FROM scratch). */
  snapshot: string | undefined;
  layers: Layer[];
  /** For a COPY from the context: the blob of what it wrote (ops/copied-files.ts), for its next run. */
  copiedFiles?: Sha256Digest | undefined;
}

export const emptyFsState: FsState = { snapshot: undefined, layers: [] };

/** Makes a Mount[] appear at a directory and go away again (the sandbox's mount helper in production). */
export interface Mounter {
  mount(mounts: Mount[], target: string): Promise<void>;
  unmount(target: string): Promise<void>;
}

/** What filesystem ops need from the engine. */
export interface FsDeps {
  snapshotter: Snapshotter;
  content: ContentStore;
  mounter: Mounter;
  /** Scratch space on the state root's filesystem. */
  tmpDir: string;
  /** SOURCE_DATE_EPOCH (seconds) or the stable default: clamps layer mtimes. */
  sourceDateEpoch: number;
  /** CA certificates (a PEM file) that ADD <https url> trusts besides Node's own. */
  extraCaFile?: string | undefined;
}

export function snapshotName(layers: Layer[]): string | undefined {
  return snapshotNameOf(layers.map((l) => l.diffId));
}

/** A fresh name for a temporary snapshot or directory; it carries this process's pid (see ownerPidOf). */
export function uniqueKey(purpose: string): string {
  return `${purpose}-pid${process.pid}-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

/** The pid of the process that made a uniqueKey, so a prune can tell a killed build's leftovers apart. */
export function ownerPidOf(key: string): number | undefined {
  const match = /-pid(\d+)-[0-9a-z]+-[0-9a-f]{12}$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

/** Runs `use` with `mounts` visible at a fresh temporary directory; always unmounts and removes it. */
export async function withMounted<T>(deps: FsDeps, mounts: Mount[], use: (dir: string) => Promise<T>): Promise<T> {
  const dir = join(deps.tmpDir, uniqueKey('mnt'));
  mkdirSync(dir, { recursive: true });
  try {
    await deps.mounter.mount(mounts, dir);
    try {
      return await use(dir);
    } finally {
      await deps.mounter.unmount(dir);
    }
  } finally {
    removeMountPoint(dir);
  }
}

/**
 * Mount points come and go with every step: sync calls, as each thread-pool round trip (0.3–1 ms on a
 * VM) costs more than the call.
 */
function removeMountPoint(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // already gone, or still mounted after a failed unmount: `system check` lists it
  }
}

/** A read-only view of `state` mounted at a temporary directory (an empty one for scratch) until closed. */
export async function openStateView(deps: FsDeps, state: FsState): Promise<{ dir: string; close(): Promise<void> }> {
  const dir = join(deps.tmpDir, uniqueKey('view'));
  mkdirSync(dir, { recursive: true });
  if (state.snapshot === undefined) return { dir, close: async () => removeMountPoint(dir) };
  const key = uniqueKey('view');
  try {
    await deps.mounter.mount(await deps.snapshotter.view(key, state.snapshot), dir);
  } catch (err) {
    await deps.snapshotter.remove(key).catch(() => undefined);
    removeMountPoint(dir);
    throw err;
  }
  return {
    dir,
    async close() {
      await deps.mounter.unmount(dir);
      await deps.snapshotter.remove(key).catch(() => undefined);
      removeMountPoint(dir);
    },
  };
}

/**
 * The life of a filesystem step: a writable snapshot on `parent`, changed by `change` (given its
 * mounts and key — RUN hands both to the sandbox), then committed as a layer; on failure it is dropped.
 */
export async function changeSnapshot(deps: FsDeps, parent: FsState, purpose: string, change: (mounts: Mount[], key: string) => Promise<void>): Promise<FsState> {
  const key = uniqueKey(purpose);
  const mounts = await deps.snapshotter.prepare(key, parent.snapshot);
  try {
    await change(mounts, key);
  } catch (err) {
    await deps.snapshotter.remove(key).catch(() => undefined);
    throw err;
  }
  return commitLayer(deps, key, parent);
}

/** changeSnapshot with the snapshot mounted at a temporary directory while `change` works in it. */
export function changeState(deps: FsDeps, parent: FsState, purpose: string, change: (rootDir: string) => Promise<void>): Promise<FsState> {
  return changeSnapshot(deps, parent, purpose, (mounts) => withMounted(deps, mounts, change));
}

/**
 * Turns the changes of active snapshot `key` (prepared on `parent.snapshot`) into a layer and a
 * committed snapshot named by the new chain ID. An unchanged rootfs still gives a layer (an empty
 * tar), as BuildKit records one for every RUN/COPY/ADD/WORKDIR. The active snapshot is consumed.
 */
export async function commitLayer(deps: FsDeps, key: string, parent: FsState): Promise<FsState> {
  let layer: Layer;
  try {
    layer = await writeLayer(deps, key);
  } catch (err) {
    await deps.snapshotter.remove(key).catch(() => undefined);
    throw err;
  }
  return commitWithLayer(deps, key, parent, layer);
}

/** The layer tar of what active snapshot `key` changed, stored in the content store. */
export async function writeLayer(deps: FsDeps, key: string): Promise<Layer> {
  const blob = await writeLayerFromChanges(deps.content, await deps.snapshotter.changes(key), { sourceDateEpoch: deps.sourceDateEpoch });
  return { descriptor: { mediaType: mediaTypes.ociLayer, digest: blob.digest, size: blob.size }, diffId: blob.digest };
}

/** Commits active snapshot `key`, whose content is `parent` plus `layer`, under the new chain ID. */
export async function commitWithLayer(deps: FsDeps, key: string, parent: FsState, layer: Layer): Promise<FsState> {
  try {
    const layers = [...parent.layers, layer];
    const name = snapshotName(layers) as string;
    if (!(await deps.snapshotter.stat(name)) && (await commitUnlessTaken(deps.snapshotter, name, key))) return { snapshot: name, layers };
    await deps.snapshotter.remove(key);
    return { snapshot: name, layers };
  } catch (err) {
    await deps.snapshotter.remove(key).catch(() => undefined);
    throw err;
  }
}

/**
 * Commits `key` as `name`; false when a step running in parallel committed the same chain between our
 * check and our commit (its snapshot then serves us too, and ours is left for the caller to remove).
 */
async function commitUnlessTaken(snapshotter: Snapshotter, name: string, key: string): Promise<boolean> {
  try {
    await snapshotter.commit(name, key);
    return true;
  } catch (err) {
    if (err instanceof ConflictError && (await snapshotter.stat(name))) return false;
    throw err;
  }
}
