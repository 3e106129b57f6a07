// Key parts for the context files a step reads: one `file <path> <type> <mode> …` per selected
// entry, with content digests from cache/contenthash (so unchanged files are not re-read). What is in
// a part is what can change the step's result: type, permission bits (with setuid/setgid/sticky),
// size, symlink target, bytes, and the owner only where the step sees it (a RUN bind mount shows the
// host uid/gid; COPY/ADD make context files 0:0 or --chown, so there the owner would only cause false
// misses, as it does in BuildKit: buildkit#3821). Never mtimes or host paths.
import { readlinkSync, statSync, type BigIntStats } from 'node:fs';
import { keyItem, type ContentHashIndex } from '../../cache/index.js';
import { TurnTaker } from '../event-loop.js';
import type { SelectionRules } from './selection.js';
import { walkSelected } from './walk.js';

/** A resolved source: its host path (own symlink followed) and its context-relative path ('' for the root). */
export interface SelectedSource {
  hostPath: string;
  relativePath: string;
}

export interface ChecksumOptions {
  /** Put uid:gid in each part: the step sees the host owner (RUN --mount=type=bind from the context). */
  owners: boolean;
}

async function entryPart(index: ContentHashIndex, hostPath: string, path: string, info: BigIntStats, options: ChecksumOptions): Promise<string> {
  const mode = (info.mode & 0o7777n).toString(8) + (options.owners ? ` ${info.uid}:${info.gid}` : '');
  const item = keyItem(path);
  if (info.isSymbolicLink()) return `file ${item} symlink ${mode} - ${readlinkSync(hostPath)}`;
  if (info.isDirectory()) return `file ${item} dir ${mode}`;
  if (!info.isFile()) return `file ${item} other ${mode}`;
  return `file ${item} file ${mode} ${info.size} ${await index.fileDigest(hostPath, info)}`;
}

/** Parts for each source and, for a directory source, every selected entry below it, in walk order. */
export async function checksumSelection(index: ContentHashIndex, sources: SelectedSource[], rules: SelectionRules, options: ChecksumOptions): Promise<string[]> {
  const parts: string[] = [];
  const turns = new TurnTaker();
  for (const source of sources) {
    const info = statSync(source.hostPath, { bigint: true });
    const entries = [{ hostPath: source.hostPath, path: source.relativePath || '.', info }];
    if (info.isDirectory()) entries.push(...(await walkSelected(source.hostPath, { contextPath: source.relativePath, relative: '' }, rules)));
    for (const entry of entries) {
      await turns.turn();
      parts.push(await entryPart(index, entry.hostPath, entry.path, entry.info, options));
    }
  }
  return parts;
}
