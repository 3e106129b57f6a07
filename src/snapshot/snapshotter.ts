// The Snapshotter interface (containerd's shape). Lifecycle: prepare(key, parent) gives a writable
// active snapshot → mount it, change it → commit(name, key) freezes it as a committed snapshot that
// later prepares may use as parent; view(key, parent) is a read-only active snapshot; remove drops
// either kind (a committed one only when no other snapshot has it as parent).
// "key" names an active snapshot, "name" a committed one; both live in one namespace.
import type { Change } from './changes.js';

/** A mount that makes the snapshot's filesystem appear at a target (as `mount -t type -o options source target`). */
export interface Mount {
  type: string; // "overlay" | "bind"
  source: string;
  options: string[];
}

export type SnapshotKind = 'active' | 'view' | 'committed';

export interface SnapshotInfo {
  name: string;
  kind: SnapshotKind;
  parent: string | undefined;
  created: Date;
}

export interface Usage {
  size: number; // bytes this snapshot adds on top of its parent
  inodes: number;
}

export interface Snapshotter {
  readonly name: 'overlay' | 'native';
  prepare(key: string, parent?: string): Promise<Mount[]>;
  view(key: string, parent?: string): Promise<Mount[]>;
  mounts(key: string): Promise<Mount[]>;
  commit(name: string, key: string): Promise<void>;
  /** Whether a snapshot committed in this boot is not yet on disk for sure (a sync is worth its cost). */
  hasUnsynced(): Promise<boolean>;
  /** Records that a filesystem sync started at `syncStart` put every snapshot committed before it on disk. */
  markSynced(syncStart: Date): Promise<void>;
  remove(keyOrName: string): Promise<void>;
  stat(keyOrName: string): Promise<SnapshotInfo | undefined>;
  /**
   * The directory holding a snapshot's own files (overlay: its upper dir; native: its whole tree);
   * undefined when absent or a view. A committed snapshot's are to read or hard-link from, never to
   * change; an active one's may be written while it is not mounted (a hard link cannot cross into a mount).
   */
  ownFiles(keyOrName: string): Promise<string | undefined>;
  list(): Promise<SnapshotInfo[]>;
  /**
   * Bytes and inodes of a snapshot's own files. A file whose inode is in `counted` is not counted again
   * (and counted ones are added to it): a caller adding up snapshots that share files (a COPY links the
   * unchanged ones to its previous result) passes one set to every call and counts each file once.
   */
  usage(keyOrName: string, counted?: Set<number>): Promise<Usage>;
  /**
   * What active snapshot `key` changed relative to its parent, sorted by path, and the directory
   * holding the new content of added/modified paths (the upper dir for overlay).
   */
  changes(key: string): Promise<ChangeSet>;
}

export interface ChangeSet {
  changes: Change[];
  contentRoot: string;
  /**
   * Image xattrs of the paths below contentRoot (absolute path → name → value), when the snapshotter
   * read them anyway (overlay reads the upper dir's to find opaque dirs); absent: the layer writer reads them.
   */
  xattrs?: Map<string, Map<string, Buffer>>;
}
