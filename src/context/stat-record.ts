// What a build could see of its context, as stat identities, so that a later run can tell from lstats alone
// that none of it changed: the context directory, every directory the walk read (adding, removing or renaming
// an entry changes a directory's mtime) and every entry it selected. Subtrees .dockerignore leaves out are not
// walked, so what changes there does not count, as it cannot change the build.
import { lstatSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { statIdentity, statIsSettled } from '../../cache/index.js';
import type { IgnoreMatcher } from '../../grammar/index.js';
import { visitSelected } from './walk.js';

export interface ContextStats {
  dir: string;
  /** Context-relative path ('' for the context itself) and stat identity, alternately. */
  entries: string[];
}

const wallClockNs = (): bigint => BigInt(Date.now()) * 1_000_000n;

/**
 * The stats of the context at `dir` as its ignore rules select it; undefined when an entry changed too
 * recently for its stat to be trusted (a second change in the same clock tick could leave it as it is).
 * Take them before anything reads the context: a file changed after it was read then shows as changed.
 */
export function recordContextStats(dir: string, ignore: IgnoreMatcher | undefined, now: () => bigint = wallClockNs): ContextStats | undefined {
  const takenAt = now();
  const entries: string[] = [];
  let settled = true;
  const add = (path: string, info: BigIntStats): void => {
    settled &&= statIsSettled(info, takenAt);
    entries.push(path, statIdentity(info));
  };
  add('', lstatSync(dir, { bigint: true }));
  visitSelected(dir, { contextPath: '', relative: '' }, { sourceIgnore: ignore, exclude: undefined }, (entry) => add(entry.path, entry.info));
  return settled ? { dir, entries } : undefined;
}

/** Whether every entry recorded in `stats` is still there with the same stat. */
export function contextStatsHold(stats: ContextStats): boolean {
  const { dir, entries } = stats;
  for (let i = 0; i < entries.length; i += 2) {
    const info = lstatSync(join(dir, entries[i] as string), { bigint: true, throwIfNoEntry: false });
    if (info === undefined || statIdentity(info) !== entries[i + 1]) return false;
  }
  return true;
}
