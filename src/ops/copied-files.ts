// What a COPY from the build context wrote, kept with its result so the next run of the same step
// (one file of 20,000 changed) hard-links each unchanged file from the previous result instead of
// copying it again: target path → content digest of the source, size, owner, mode and mtime, as a blob.
// A file is linked only when the digest the context's content-hash index gives now is the one recorded
// and the recorded owner, mode, mtime and size are what this copy would give it; anything else is copied
// as before. The record is trusted without a look at the file: a committed snapshot never changes.
// A hard link cannot cross into the mounted rootfs, so links are made in the snapshot's own directory
// once the copy has unmounted it.
import { chmodSync, copyFileSync, lchownSync, lstatSync, lutimesSync, type Stats } from 'node:fs';
import type { ContentStore, Sha256Digest } from '../../cache/index.js';
import { hostAddon } from '../host/addon.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';

/** A regular file as a copy gives it: source content digest, size, owner, permission bits and mtime (ms). */
export interface CopiedFile {
  digest: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
}

/** Regular files a copy wrote whose source content it knew, by path below the rootfs. */
export type CopiedFiles = Map<string, CopiedFile>;

/**
 * A copy smaller than this is not recorded: copying it again costs less than the record's write and
 * fsync, while one of many files or much data is worth linking.
 */
const worthRecording = { files: 64, bytes: 8 << 20 };

/** The previous result of a copy: where its files are, and what it recorded of them. */
export interface PreviousCopy {
  /** The result snapshot's own files (Snapshotter.ownFiles), read and linked from only. */
  dir: string;
  files: ReadonlyMap<string, CopiedFile>;
}

/** A file left out of the mounted copy, to be linked at `rel` from the same path in the previous result. */
export interface PendingLink {
  rel: string;
  /** Copied from here instead when the link fails (the previous result was pruned meanwhile). */
  sourcePath: string;
  file: CopiedFile;
}

/** Sets owner, then mode (chown clears setuid/setgid), then mtime. */
export function setFileMetadata(path: string, file: { mode: number; uid: number; gid: number; mtime: Date }): void {
  lchownSync(path, file.uid, file.gid);
  chmodSync(path, file.mode);
  lutimesSync(path, file.mtime, file.mtime);
}

/** Whether the previous copy wrote, at `rel`, the very file this copy would write there. */
export function previousHasFile(previous: PreviousCopy, rel: string, file: CopiedFile): boolean {
  const recorded = previous.files.get(rel);
  if (recorded === undefined) return false;
  return recorded.digest === file.digest && recorded.size === file.size && recorded.mode === file.mode && recorded.uid === file.uid && recorded.gid === file.gid && recorded.mtimeMs === file.mtimeMs;
}

/**
 * Makes the pending links in `ownDir` (the unmounted snapshot's own directory) to the same paths in
 * `previousDir`. Their directories were made by the copy, so they are there; their mtimes are put back
 * after, as the copy left them. Committed snapshots never change, so sharing an inode with one is safe.
 * The links are made on the thread pool, half on each core (a link is a syscall of ~7 µs here: 20,000
 * took 150–250 ms on node's thread); a link that fails is a copy instead. Paths are joined by hand: `rel`
 * is clean (a path below the rootfs), and path.join's normalizing of 40,000 paths showed in profiles.
 */
export async function makePendingLinks(ownDir: string, previousDir: string, links: PendingLink[]): Promise<void> {
  const directories = new Map<string, Stats>();
  const pairs: string[] = [];
  for (const link of links) {
    const slash = link.rel.lastIndexOf('/');
    const dir = slash === -1 ? ownDir : `${ownDir}/${link.rel.slice(0, slash)}`;
    if (!directories.has(dir)) directories.set(dir, lstatSync(dir));
    pairs.push(`${previousDir}/${link.rel}`, `${ownDir}/${link.rel}`);
  }
  const errors = new Int32Array(links.length);
  const half = Math.ceil(links.length / 2);
  await Promise.all([hostAddon().linkFiles(pairs.slice(0, 2 * half), errors.subarray(0, half)), hostAddon().linkFiles(pairs.slice(2 * half), errors.subarray(half))]);
  links.forEach((link, i) => {
    if (errors[i] === 0) return;
    const target = `${ownDir}/${link.rel}`;
    copyFileSync(link.sourcePath, target);
    setFileMetadata(target, { ...link.file, mtime: new Date(link.file.mtimeMs) });
  });
  for (const [dir, before] of directories) lutimesSync(dir, before.atime, before.mtime);
}

/** One file in the record: path, digest, size, mode, uid, gid, mtime (ms). */
type RecordedEntry = [string, string, number, number, number, number, number];

/** Stores `files` as a blob of entries sorted by path (so equal copies give equal blobs); undefined when not worth it. */
export async function storeCopiedFiles(content: ContentStore, files: CopiedFiles): Promise<Sha256Digest | undefined> {
  let bytes = 0;
  for (const file of files.values()) bytes += file.size;
  if (files.size < worthRecording.files && bytes < worthRecording.bytes) return undefined;
  const entries: RecordedEntry[] = [...files].map(([path, f]) => [path, f.digest, f.size, f.mode, f.uid, f.gid, f.mtimeMs]);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return (await content.ingestBytes(JSON.stringify(entries))).digest;
}

function isRecordedEntry(entry: unknown): entry is RecordedEntry {
  return Array.isArray(entry) && entry.length === 7 && typeof entry[0] === 'string' && typeof entry[1] === 'string' && entry.slice(2).every((n) => Number.isSafeInteger(n));
}

/** The previous copy behind `state`, or undefined when it kept no record or its snapshot or blob is gone. */
export async function loadPreviousCopy(snapshotter: Snapshotter, content: ContentStore, state: { snapshot: string | undefined; copiedFiles?: Sha256Digest | undefined }): Promise<PreviousCopy | undefined> {
  if (state.snapshot === undefined || state.copiedFiles === undefined) return undefined;
  const dir = await snapshotter.ownFiles(state.snapshot);
  if (dir === undefined) return undefined;
  try {
    const entries = await content.readJson<unknown>(state.copiedFiles);
    // An older version's record (path and digest only) does not qualify: one full copy replaces it.
    if (!Array.isArray(entries) || !entries.every(isRecordedEntry)) return undefined;
    return { dir, files: new Map(entries.map(([path, digest, size, mode, uid, gid, mtimeMs]) => [path, { digest, size, mode, uid, gid, mtimeMs }])) };
  } catch {
    return undefined; // a damaged or pruned record costs a full copy, never the build
  }
}
