// The change list between a parent filesystem state and a child: what snapshotters compute
// (overlay upper-dir walk, or a tree comparison for the native snapshotter) and what diff.ts
// turns into a layer tar. Paths are relative to the root, POSIX, without a leading "/".

export type ChangeKind = 'add' | 'modify' | 'delete';

export interface Change {
  kind: ChangeKind;
  /** e.g. "etc/passwd"; never "", never absolute, never containing "..". */
  path: string;
  /** For a directory that replaces the parent's (overlay opaque dir): its old contents are gone. */
  opaque?: boolean;
}
