// When a file's stat can stand for its content: the stat fields that change whenever the content may have,
// and the "racily clean" rule for stats too recent to trust. The content-hash index and a build's record
// of its context (src/context/stat-record.ts) judge files by the same rule.
import type { BigIntStats } from 'node:fs';

/**
 * A file changed within the timestamp granularity of its filesystem (coarse kernel clock, or whole
 * seconds on some filesystems) can keep its mtime and ctime; such "racily clean" stats are not
 * trusted until they are older than this (as git does with its index).
 */
export const racyWindowNs = 2_000_000_000n;

/**
 * How old a stat must be to be trusted, judged by its newest time: one with a sub-second part comes from a
 * filesystem with fine timestamps, whose granularity is the kernel's clock tick (at most 10 ms), so 100 ms is
 * plenty; whole seconds may mean a coarse filesystem, which needs the full window. With the full window
 * everywhere, a no-op build right after a fresh checkout re-read every file made in the 2 s before it was hashed.
 */
export function racyWindowFor(newestNs: bigint): bigint {
  return newestNs % 1_000_000_000n === 0n ? racyWindowNs : 100_000_000n;
}

/** The fields of a bigint lstat that say whether a file may have changed (a BigIntStats has them). */
export type StatIdentityFields = Pick<BigIntStats, 'dev' | 'ino' | 'size' | 'mtimeNs' | 'ctimeNs' | 'mode' | 'uid' | 'gid'>;

/** Whether a stat taken at `nowNs` (wall clock) is old enough that a later change must show in it. */
export function statIsSettled(info: Pick<BigIntStats, 'mtimeNs' | 'ctimeNs'>, nowNs: bigint): boolean {
  const newest = info.mtimeNs > info.ctimeNs ? info.mtimeNs : info.ctimeNs;
  return nowNs - newest > racyWindowFor(newest);
}

/** Everything that changes when a file's content may have: a replaced file gets a new inode, a write a new ctime. */
export function statIdentity(info: StatIdentityFields): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}:${info.mode}:${info.uid}:${info.gid}`;
}
