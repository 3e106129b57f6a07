// Key parts for the context files a step reads: one `file <path> <type> <mode> …` per selected
// entry, with content digests from cache/contenthash (so unchanged files are not re-read). What is in
// a part is what can change the step's result: type, permission bits (with setuid/setgid/sticky),
// size, symlink target, bytes, and the owner only where the step sees it (a RUN bind mount shows the
// host uid/gid; COPY/ADD make context files 0:0 or --chown, so there the owner would only cause false
// misses, as it does in BuildKit: buildkit#3821). Never mtimes or host paths.
import { readlinkSync, statSync } from 'node:fs';
import { keyItem, type ContentHashIndex } from '../../cache/index.js';
import { TurnTaker } from '../event-loop.js';
import type { SelectionRules } from './selection.js';
import type { ContextStat } from './context-stat.js';
import { visitSelected, type WalkedEntry } from './walk.js';

/** A resolved source: its host path (own symlink followed) and its context-relative path ('' for the root). */
export interface SelectedSource {
  hostPath: string;
  relativePath: string;
}

export interface ChecksumOptions {
  /** Put uid:gid in each part: the step sees the host owner (RUN --mount=type=bind from the context). */
  owners: boolean;
  /** Keeps the lstat of every entry walked, by host path (the build's replay record reuses them). */
  seenStats?: Map<string, ContextStat> | undefined;
}

/** The part of one entry, or for a file whose digest the index does not know, the part without it. */
function entryPart(index: ContentHashIndex, hostPath: string, path: string, info: ContextStat, options: ChecksumOptions): { part: string; complete: boolean } {
  const mode = (info.mode & 0o7777n).toString(8) + (options.owners ? ` ${info.uid}:${info.gid}` : '');
  const item = keyItem(path);
  if (info.isSymbolicLink()) return { part: `file ${item} symlink ${mode} - ${readlinkSync(hostPath)}`, complete: true };
  if (info.isDirectory()) return { part: `file ${item} dir ${mode}`, complete: true };
  if (!info.isFile()) return { part: `file ${item} other ${mode}`, complete: true };
  const head = `file ${item} file ${mode} ${info.size}`;
  const known = index.knownDigest(hostPath, info);
  return known === undefined ? { part: head, complete: false } : { part: `${head} ${known}`, complete: true };
}

/**
 * Parts for each source and, for a directory source, every selected entry below it, in walk order. Parts are
 * made during the walk, from the index where it knows a file; only the files it does not know are read, after.
 */
export async function checksumSelection(index: ContentHashIndex, sources: SelectedSource[], rules: SelectionRules, options: ChecksumOptions): Promise<string[]> {
  await index.load();
  const parts: string[] = [];
  const unknown: { at: number; hostPath: string; info: ContextStat }[] = [];
  const add = (hostPath: string, path: string, info: ContextStat): void => {
    const { part, complete } = entryPart(index, hostPath, path, info, options);
    if (!complete) unknown.push({ at: parts.length, hostPath, info });
    parts.push(part);
  };
  const addWalked = (entry: WalkedEntry): void => {
    options.seenStats?.set(entry.hostPath, entry.info);
    add(entry.hostPath, entry.path, entry.info);
  };
  for (const source of sources) {
    // A source's own stat follows its symlink: no lstat, so not kept in seenStats.
    const info = statSync(source.hostPath, { bigint: true });
    add(source.hostPath, source.relativePath || '.', info);
    if (info.isDirectory()) visitSelected(source.hostPath, { contextPath: source.relativePath, relative: '' }, rules, addWalked);
  }
  const turns = new TurnTaker();
  for (const file of unknown) {
    await turns.turn();
    parts[file.at] = `${parts[file.at] as string} ${await index.fileDigest(file.hostPath, file.info)}`;
  }
  return parts;
}
