// What a build could see of its context, as stat identities, so that a later run can tell from lstats alone
// that none of it changed: the context directory, every directory the walk read (adding, removing or renaming
// an entry changes a directory's mtime) and every entry it selected. Subtrees .dockerignore leaves out are not
// walked, so what changes there does not count, as it cannot change the build.
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { statIdentity, statIsSettled } from '../../cache/index.js';
import type { IgnoreMatcher } from '../../grammar/index.js';
import { lstatContext, lstatFew, type ContextStat } from './context-stat.js';
import { seenOrLstat, visitSelected } from './walk.js';

export interface ContextStats {
  dir: string;
  /**
   * Context-relative path ('' for the context itself) and stat identity, alternately; the most recently
   * changed first (by ctime), as what was edited lately is what is edited next, so a check that fails
   * fails at its first lstats instead of after thousands.
   */
  entries: string[];
}

/**
 * The stats of the context at `dir` as its ignore rules select it, when every entry is older than the start of
 * the build that read it (`buildStartNs`, wall clock) by more than the racy window: then none changed while the
 * build ran (a change sets the ctime to now, and nobody can set it back), nor just before in a way a stat
 * could hide (a second change in the same clock tick). Otherwise undefined, and the walk stops at the first
 * entry too young. Taken after the build, when the memory its steps needed is free again. An entry the build's
 * checksum walks saw (`seen`, lstats by host path) keeps that stat: taken after the start, before the build
 * read the file, so a change after it still shows at the next run as a stat that differs.
 */
export function recordContextStats(dir: string, ignore: IgnoreMatcher | undefined, buildStartNs: bigint, seen?: ReadonlyMap<string, ContextStat>): ContextStats | undefined {
  // The ctime is read once per entry: a row makes its bigints anew each time one is asked for.
  const seenEntries: { path: string; info: ContextStat; changed: bigint }[] = [];
  const add = (path: string, info: ContextStat): boolean => {
    seenEntries.push({ path, info, changed: info.ctimeNs });
    return statIsSettled(info, buildStartNs);
  };
  if (!add('', lstatSync(dir, { bigint: true }))) return undefined;
  const rules = { sourceIgnore: ignore, exclude: undefined };
  if (!visitSelected(dir, { contextPath: '', relative: '' }, rules, (entry) => add(entry.path, entry.info), seenOrLstat(seen))) return undefined;
  seenEntries.sort((a, b) => (a.changed > b.changed ? -1 : a.changed < b.changed ? 1 : 0));
  return { dir, entries: seenEntries.flatMap(({ path, info }) => [path, statIdentity(info)]) };
}

/** Up to this many entries, a replay check lstats them one by one (see lstatFew). */
const fewEntries = 256;

/**
 * Whether every entry recorded in `stats` is still there with the same stat. The lstats are taken in
 * batches (one addon call each), a small one first: the entry changed, if any, is mostly among the first.
 * An entry that cannot be lstat'ed (gone, or no longer reachable) means it does not hold.
 */
export function contextStatsHold(stats: ContextStats): boolean {
  const { dir, entries } = stats;
  const lstats = entries.length / 2 > fewEntries ? lstatContext : lstatFew;
  for (let at = 0, batch = 32; at < entries.length; at += 2 * batch, batch = 1024) {
    const paths: string[] = [];
    for (let i = at; i < Math.min(entries.length, at + 2 * batch); i += 2) paths.push(join(dir, entries[i] as string));
    let infos;
    try {
      infos = lstats(paths);
    } catch {
      return false;
    }
    if (infos.some((info, k) => statIdentity(info) !== entries[at + 2 * k + 1])) return false;
  }
  return true;
}
