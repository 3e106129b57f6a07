// Deterministic layer tars, streamed straight into the content store: from a snapshotter's change
// list (deletions → ".wh." entries, opaque directories → ".wh..wh..opq") or from a whole directory
// tree. Entries are sorted, owners numeric without names, mtimes clamped to SOURCE_DATE_EPOCH when
// given, hard links found by inode within the layer, xattrs kept; PAX headers only when needed.
// Node's thread takes lstats a batch at a time (host/lstat-rows.ts) and lays out headers; file bodies are
// read on the thread pool one chunk behind (tar-writer.ts), so the two cores share the work.
import { constants, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { BlobInfo, ContentStore } from '../../cache/index.js';
import { TurnTaker } from '../event-loop.js';
import { hostAddon } from '../host/addon.js';
import { BatchedLstats } from '../host/lstat-rows.js';
import type { Change } from './changes.js';
import type { EncodedHeader } from './tar-format.js';
import { readBodies, TarWriter, type BodyReader, type TarChunk } from './tar-writer.js';
import { opaqueWhiteout, whiteoutPrefix, xattrPax } from './tar-names.js';
import type { ChangeSet } from './snapshotter.js';
import { readXattrs, type XattrsByPath } from './xattr.js';

export interface LayerWriteOptions {
  /** SOURCE_DATE_EPOCH in seconds: later mtimes are clamped to it, whiteouts get it. */
  sourceDateEpoch?: number | undefined;
}

/** One tar entry to write: a path below the layer's root, or a whiteout marker. */
type PlannedEntry = { kind: 'path' | 'whiteout'; rel: string };

/** Orders paths component by component, so a directory always precedes its contents. */
function comparePaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] as string;
    const y = pb[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** Writes the layer for a snapshotter's change set (new content of added/modified paths under its contentRoot). */
export function writeLayerFromChanges(content: ContentStore, changeSet: ChangeSet, options: LayerWriteOptions = {}): Promise<BlobInfo> {
  const { changes, contentRoot, xattrs } = changeSet;
  const readXattrsOf = xattrs ? async () => xattrs : (paths: string[]) => readXattrs(paths);
  return content.ingest(packEntries(contentRoot, () => planChanges(changes, contentRoot), readXattrsOf, options));
}

/** Writes a layer holding every file of `root` (the root directory itself is not an entry). */
export function writeLayerFromDirectory(content: ContentStore, root: string, options: LayerWriteOptions = {}): Promise<BlobInfo> {
  return content.ingest(packEntries(root, () => wholeTree(root), readXattrs, options));
}

function wholeTree(root: string): PlannedEntry[] {
  return walkTree(root, '').map((rel) => ({ kind: 'path', rel }));
}

/** Sync like the packing loop (see ../event-loop.ts); a metadata walk of one tree is short. */
function walkTree(root: string, rel: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
    out.push(childRel);
    if (entry.isDirectory()) out.push(...walkTree(root, childRel));
  }
  return out;
}

function planChanges(changes: Change[], contentRoot: string): PlannedEntry[] {
  const deleted = changes.filter((c) => c.kind === 'delete').map((c) => c.path);
  const underDeleted = (path: string): boolean => deleted.some((d) => path !== d && path.startsWith(`${d}/`));
  const entries = new Map<string, PlannedEntry>();
  const addPath = (rel: string): void => {
    if (!entries.has(rel)) entries.set(rel, { kind: 'path', rel });
  };
  for (const change of changes) {
    if (change.kind === 'delete') {
      if (underDeleted(change.path)) continue;
      const slash = change.path.lastIndexOf('/');
      const rel = slash === -1 ? `${whiteoutPrefix}${change.path}` : `${change.path.slice(0, slash)}/${whiteoutPrefix}${change.path.slice(slash + 1)}`;
      entries.set(rel, { kind: 'whiteout', rel });
    } else {
      addPath(change.path);
      if (change.opaque) entries.set(`${change.path}/${opaqueWhiteout}`, { kind: 'whiteout', rel: `${change.path}/${opaqueWhiteout}` });
    }
  }
  // Parent directories travel with their children so owners and modes survive extraction.
  for (const rel of [...entries.keys()]) {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!entries.has(parent) && isDirectory(join(contentRoot, parent))) addPath(parent);
    }
  }
  return [...entries.values()].sort((a, b) => comparePaths(a.rel, b.rel));
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The tar type of each file type a layer holds, by the format bits of its mode (sockets have none). */
const tarTypes = new Map<number, EncodedHeader['type']>([
  [constants.S_IFREG, 'file'],
  [constants.S_IFDIR, 'directory'],
  [constants.S_IFLNK, 'symlink'],
  [constants.S_IFCHR, 'character-device'],
  [constants.S_IFBLK, 'block-device'],
  [constants.S_IFIFO, 'fifo'],
]);

/** A tar stream of every file of `root`, for exports that do not go into the content store. */
export function tarDirectory(root: string, options: LayerWriteOptions = {}): AsyncIterable<Uint8Array> {
  return packEntries(root, () => wholeTree(root), readXattrs, options);
}

/** Which xattrs the entries at these absolute paths carry. */
type XattrReader = (paths: string[]) => Promise<XattrsByPath>;

/** `plan` runs once packing starts, so its errors fail the stream. */
async function* packEntries(root: string, plan: () => PlannedEntry[], readXattrsOf: XattrReader, options: LayerWriteOptions): AsyncGenerator<Uint8Array> {
  // Loaded when a layer is written (see tar-format.ts).
  const { encodeEntryHeader } = await import('./tar-format.js');
  const tar = new TarWriter(encodeEntryHeader);
  const entries = plan();
  const epoch = options.sourceDateEpoch;
  const clamp = (seconds: number): Date => new Date((epoch !== undefined && seconds > epoch ? epoch : seconds) * 1000);
  const paths = entries.flatMap((e) => (e.kind === 'path' ? [join(root, e.rel)] : []));
  const xattrs = await readXattrsOf(paths);
  const firstNameByInode = new Map<string, string>();
  const turns = new TurnTaker();
  const readFiles: BodyReader = (memory, files, places) => hostAddon().readFiles(memory, files, places);
  // One read in flight: the bodies of the chunks laid out last are read while the next ones are laid out.
  let reading: Promise<Buffer[]> | undefined;
  async function* pass(chunks: TarChunk[]): AsyncGenerator<Buffer> {
    const next = readBodies(chunks, readFiles);
    next.catch(() => undefined); // awaited in turn below (or dropped with the stream)
    if (reading !== undefined) yield* await reading;
    reading = next;
  }

  const lstats = new BatchedLstats(paths);
  for (const entry of entries) {
    await turns.turn();
    const file = layOut(entry);
    // A large file is passed on chunk by chunk as it is laid out, so a 1 GiB file never holds 1 GiB.
    if (file !== undefined) for (const _filled of tar.file(file.header, file.path)) yield* pass(tar.take());
    const laidOut = tar.take(); // mostly none: a chunk holds ~100 files of 10 KiB
    if (laidOut.length > 0) yield* pass(laidOut);
  }
  tar.end();
  yield* pass(tar.take());
  if (reading !== undefined) yield* await reading;

  /** Lays out an entry without a body; a regular file's header and path are returned, for tar.file. */
  function layOut(entry: PlannedEntry): { header: EncodedHeader; path: string } | undefined {
    if (entry.kind === 'whiteout') {
      tar.entry({ name: entry.rel, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: new Date((epoch ?? 0) * 1000) });
      return;
    }
    const { path, rows, row } = lstats.next();
    const type = tarTypes.get(rows.format(row));
    if (type === undefined) return;
    const header: EncodedHeader = {
      name: type === 'directory' ? `${entry.rel}/` : entry.rel,
      type,
      mode: rows.get(row, 'mode') & 0o7777,
      uid: rows.get(row, 'uid'),
      gid: rows.get(row, 'gid'),
      size: 0,
      mtime: clamp(rows.get(row, 'mtimeSeconds')),
      pax: xattrPax(xattrs.get(path) ?? new Map()),
    };
    if (type === 'symlink') header.linkname = readlinkSync(path);
    if (type === 'character-device' || type === 'block-device') {
      header.devmajor = rows.get(row, 'rdevMajor');
      header.devminor = rows.get(row, 'rdevMinor');
    }
    if (type === 'file' && rows.get(row, 'nlink') > 1) {
      const inode = rows.inode(row);
      const first = firstNameByInode.get(inode);
      if (first !== undefined) {
        tar.entry({ ...header, type: 'link', linkname: first });
        return;
      }
      firstNameByInode.set(inode, entry.rel);
    }
    if (type === 'file') return { header: { ...header, size: rows.get(row, 'size') }, path };
    tar.entry(header);
    return undefined;
  }
}
