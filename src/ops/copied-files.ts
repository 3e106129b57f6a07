// What a COPY from the build context wrote, kept with its result so the next run of the same step
// (one file of 20,000 changed) hard-links each unchanged file from the previous result instead of
// copying it again: target path → content digest of the source, as a blob. A file is linked only when
// the digest the context's content-hash index gives now is the one recorded, and the previous file's
// owner, mode, mtime and size are what this copy would give it; anything else is copied as before.
// A hard link cannot cross into the mounted rootfs, so links are made in the snapshot's own directory
// once the copy has unmounted it.
import { chmodSync, copyFileSync, lchownSync, linkSync, lstatSync, lutimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ContentStore, Sha256Digest } from '../../cache/index.js';
import type { Snapshotter } from '../snapshot/snapshotter.js';

/** Regular files a copy wrote whose source content it knew: path below the rootfs → digest and size. */
export type CopiedFiles = Map<string, { digest: string; size: number }>;

/**
 * A copy smaller than this is not recorded: copying it again costs less than the record's write and
 * fsync, while one of many files or much data is worth linking.
 */
const worthRecording = { files: 64, bytes: 8 << 20 };

/** The previous result of a copy: where its files are, and what it recorded of them. */
export interface PreviousCopy {
  /** The result snapshot's own files (Snapshotter.ownFiles), read and linked from only. */
  dir: string;
  files: ReadonlyMap<string, string>;
}

/** A regular file as the copy gives it: content digest, size and the metadata it applies. */
export interface FinalFile {
  digest: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

/** A file left out of the mounted copy, to be linked from the previous result (`from`) at `rel`. */
export interface PendingLink {
  rel: string;
  from: string;
  /** Copied from here instead when the link fails (the previous result was pruned meanwhile). */
  sourcePath: string;
  file: FinalFile;
}

/** Sets owner, then mode (chown clears setuid/setgid), then mtime. */
export function setFileMetadata(path: string, file: Pick<FinalFile, 'mode' | 'uid' | 'gid' | 'mtime'>): void {
  lchownSync(path, file.uid, file.gid);
  chmodSync(path, file.mode);
  lutimesSync(path, file.mtime, file.mtime);
}

/** The previous copy's path of the file this copy would write at `rel`, when it is that very file. */
export function previousFileFor(previous: PreviousCopy, rel: string, file: FinalFile): string | undefined {
  if (previous.files.get(rel) !== file.digest) return undefined;
  const path = join(previous.dir, rel);
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st?.isFile() || st.size !== file.size || (st.mode & 0o7777) !== file.mode || st.uid !== file.uid || st.gid !== file.gid) return undefined;
  // lutimes stores the millisecond Date through a double, so compare at that precision.
  return Math.abs(st.mtimeMs - file.mtime.getTime()) < 1 ? path : undefined;
}

/**
 * Makes the pending links in `ownDir` (the unmounted snapshot's own directory). Their directories were
 * made by the copy, so they are there; their mtimes are put back after, as the copy left them.
 * Committed snapshots never change, so sharing an inode with one is safe.
 */
export function makePendingLinks(ownDir: string, links: PendingLink[]): void {
  const byDirectory = new Map<string, PendingLink[]>();
  for (const link of links) {
    const dir = dirname(join(ownDir, link.rel));
    const inDir = byDirectory.get(dir);
    if (inDir) inDir.push(link);
    else byDirectory.set(dir, [link]);
  }
  for (const [dir, inDir] of byDirectory) {
    const before = lstatSync(dir);
    for (const link of inDir) {
      const target = join(ownDir, link.rel);
      try {
        linkSync(link.from, target);
      } catch {
        copyFileSync(link.sourcePath, target);
        setFileMetadata(target, link.file);
      }
    }
    lutimesSync(dir, before.atime, before.mtime);
  }
}

/** Stores `files` as a blob of [path, digest] pairs (sorted, so equal copies give equal blobs); undefined when not worth it. */
export async function storeCopiedFiles(content: ContentStore, files: CopiedFiles): Promise<Sha256Digest | undefined> {
  let bytes = 0;
  for (const file of files.values()) bytes += file.size;
  if (files.size < worthRecording.files && bytes < worthRecording.bytes) return undefined;
  const entries: [string, string][] = [...files].map(([path, file]) => [path, file.digest]);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return (await content.ingestBytes(JSON.stringify(entries))).digest;
}

/** The previous copy behind `state`, or undefined when it kept no record or its snapshot or blob is gone. */
export async function loadPreviousCopy(snapshotter: Snapshotter, content: ContentStore, state: { snapshot: string | undefined; copiedFiles?: Sha256Digest | undefined }): Promise<PreviousCopy | undefined> {
  if (state.snapshot === undefined || state.copiedFiles === undefined) return undefined;
  const dir = await snapshotter.ownFiles(state.snapshot);
  if (dir === undefined) return undefined;
  try {
    const entries = await content.readJson<unknown>(state.copiedFiles);
    if (!Array.isArray(entries) || !entries.every((e) => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string')) return undefined;
    return { dir, files: new Map(entries as [string, string][]) };
  } catch {
    return undefined; // a damaged or pruned record costs a full copy, never the build
  }
}
