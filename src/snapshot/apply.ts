// applyLayer: unpacks one layer tar into a directory (a plain rootfs or an overlay mount point):
// whiteouts and opaque markers delete, owners/modes/mtimes/xattrs are kept, and every entry whose
// name, link or parent path would reach outside the target is refused before anything is written.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';
import type { TarHeader } from './tar-format.js';
import { cleanArchiveEntryName, cleanEntryName, opaqueWhiteout, whiteoutPrefix, xattrsOf } from './tar-names.js';
import { setXattrs } from './xattr.js';

const run = promisify(execFile);
const maxSymlinkHops = 40;

export interface ApplyOptions {
  /** Keep the tar's numeric owners (default true; false when not running as root). */
  chown?: boolean;
  /** An archive ADD unpacks rather than an image layer: absolute names are read relative to the target. */
  archive?: boolean;
}

export interface ApplyResult {
  entries: number;
  /** Bytes of file content written. */
  bytes: number;
}

/** A layer entry that is refused: it names the entry and what is wrong with it. */
export class UnsafeLayerError extends UserError {}

function refuse(name: string, why: string): UnsafeLayerError {
  return new UnsafeLayerError(`refusing layer entry "${name}": ${why}`);
}

/**
 * Resolves a relative path inside `root` following symlinks in its parent components the way a
 * container sees them (absolute targets start at `root`). Returns the real relative path of the
 * parent plus the final name; throws when a link climbs above the root.
 */
class ScopedResolver {
  private readonly realDirs = new Set<string>(['']);

  constructor(
    private readonly root: string,
    private readonly entryName: () => string,
  ) {}

  forget(): void {
    this.realDirs.clear();
    this.realDirs.add('');
  }

  markDir(rel: string): void {
    this.realDirs.add(rel);
  }

  /** Real relative path of `rel`'s parent directory (created 0755 when absent) and its final name. */
  parentOf(rel: string): { dir: string; base: string } {
    const dir = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    return { dir: this.resolveDir(dir), base: posix.basename(rel) };
  }

  resolveDir(rel: string): string {
    if (this.realDirs.has(rel)) return rel;
    const pending = rel === '' ? [] : rel.split('/');
    const done: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (done.length === 0) throw refuse(this.entryName(), 'its path leaves the target through a symlink');
        done.pop();
        continue;
      }
      const candidate = [...done, part].join('/');
      if (this.realDirs.has(candidate)) {
        done.push(part);
        continue;
      }
      const st = lstatSync(join(this.root, candidate), { throwIfNoEntry: false });
      if (st === undefined) {
        mkdirSync(join(this.root, candidate), { mode: 0o755 });
      } else if (st.isSymbolicLink()) {
        if (++hops > maxSymlinkHops) throw refuse(this.entryName(), 'too many levels of symbolic links');
        const target = readlinkSync(join(this.root, candidate));
        if (target.startsWith('/')) done.length = 0;
        pending.unshift(...target.split('/'));
        continue;
      } else if (!st.isDirectory()) {
        throw refuse(this.entryName(), `parent "${candidate}" is not a directory`);
      }
      done.push(part);
      this.realDirs.add(done.join('/'));
    }
    return done.join('/');
  }
}

/**
 * Writes an entry body with plain iteration (not stream.pipeline): tar-stream's entry streams are
 * streamx streams whose destruction on a truncated tar pipeline() does not notice, so it would hang.
 * The writes are sync, as every per-entry call here (see ../event-loop.ts).
 */
async function writeBody(path: string, body: AsyncIterable<Uint8Array>): Promise<void> {
  const fd = openSync(path, 'wx', 0o600);
  try {
    for await (const chunk of body) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

/** Applies a layer tar stream (uncompressed) to `target`. */
export async function applyLayer(target: string, layer: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: ApplyOptions = {}): Promise<ApplyResult> {
  const chown = options.chown ?? process.getuid?.() === 0;
  const cleanName = options.archive ? cleanArchiveEntryName : cleanEntryName;
  let currentName = '';
  const resolver = new ScopedResolver(target, () => currentName);
  const writtenThisLayer = new Set<string>();
  const dirTimes: { path: string; mtime: Date }[] = [];
  const result: ApplyResult = { entries: 0, bytes: 0 };
  const { forEachTarEntry } = await import('./tar-format.js');

  try {
    await forEachTarEntry(layer, async (header, body) => {
      currentName = header.name;
      await applyEntry(header, body);
      result.entries++;
    });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`invalid layer tar near entry "${currentName}": ${(err as Error).message}`, { cause: err });
  }
  // Directory mtimes last (children change them), deepest first.
  dirTimes.sort((a, b) => b.path.length - a.path.length);
  for (const { path, mtime } of dirTimes) utimesSync(path, mtime, mtime);
  return result;

  async function applyEntry(header: TarHeader, body: AsyncIterable<Uint8Array>): Promise<void> {
    if (header.name.includes('\uFFFD')) throw refuse(header.name, 'its name is not valid UTF-8');
    let rel: string;
    try {
      rel = cleanName(header.name);
    } catch (err) {
      throw refuse(header.name, (err as Error).message.replace(/^tar entry "[^"]*" /, ''));
    }
    if (rel === '') {
      if (header.type === 'directory') await setMetadata(target, header, true);
      return;
    }
    const { dir, base } = resolver.parentOf(rel);
    const dirPath = join(target, dir);

    if (base === opaqueWhiteout) {
      // Everything the lower layers had in this directory goes; entries of this layer stay.
      for (const child of readdirSync(dirPath)) {
        const childRel = dir === '' ? child : `${dir}/${child}`;
        if (!writtenThisLayer.has(childRel)) rmSync(join(dirPath, child), { recursive: true, force: true });
      }
      resolver.forget();
      return;
    }
    if (base.startsWith(`${whiteoutPrefix}${whiteoutPrefix}`)) return; // aufs bookkeeping (.wh..wh.plnk …), not content
    if (base.startsWith(whiteoutPrefix)) {
      const victim = base.slice(whiteoutPrefix.length);
      if (victim === '' || victim === '.' || victim === '..' || victim.includes('/')) throw refuse(header.name, 'whiteout of an invalid name');
      rmSync(join(dirPath, victim), { recursive: true, force: true });
      resolver.forget();
      return;
    }

    const realRel = dir === '' ? base : `${dir}/${base}`;
    const path = join(target, realRel);
    const existing = lstatSync(path, { throwIfNoEntry: false });
    if (existing && !(existing.isDirectory() && header.type === 'directory')) {
      if (header.type === 'link' && sameAsLinkTarget(header, path)) return;
      rmSync(path, { recursive: true, force: true });
      if (existing.isDirectory() || existing.isSymbolicLink()) resolver.forget();
    }

    switch (header.type) {
      case 'directory':
        if (!existing?.isDirectory()) mkdirSync(path, { mode: 0o700 });
        resolver.markDir(realRel);
        await setMetadata(path, header, false);
        dirTimes.push({ path, mtime: header.mtime });
        break;
      case 'file':
      case 'contiguous-file':
        await writeBody(path, body);
        result.bytes += header.size;
        await setMetadata(path, header, true);
        break;
      case 'symlink':
        symlinkSync(header.linkname, path);
        await setMetadata(path, header, true);
        break;
      case 'link': {
        linkSync(linkSource(header), path);
        // moby's Untar gives the shared inode the link entry's owner, mode and times; a layer's link keeps its target's.
        if (options.archive) await setMetadata(path, header, true);
        break;
      }
      case 'character-device':
      case 'block-device':
        await run('mknod', ['-m', '0600', path, header.type === 'character-device' ? 'c' : 'b', String(header.devmajor), String(header.devminor)]);
        await setMetadata(path, header, true);
        break;
      case 'fifo':
        await run('mkfifo', ['-m', '0600', path]);
        await setMetadata(path, header, true);
        break;
      default:
        throw refuse(header.name, `unsupported entry type ${String(header.type)}`);
    }
    writtenThisLayer.add(realRel);
  }

  /** Host path of a hard link's target: inside the target, existing, not a directory. */
  function linkSource(header: TarHeader): string {
    let rel: string;
    try {
      rel = cleanName(header.linkname);
    } catch {
      throw refuse(header.name, `hard link target "${header.linkname}" is outside the target directory`);
    }
    if (rel === '') throw refuse(header.name, 'hard link to the root directory');
    const { dir, base } = resolver.parentOf(rel);
    const source = join(target, dir, base);
    const st = lstatSync(source, { throwIfNoEntry: false });
    if (!st) throw refuse(header.name, `hard link target "${header.linkname}" does not exist`);
    if (st.isDirectory()) throw refuse(header.name, `hard link target "${header.linkname}" is a directory`);
    return source;
  }

  function sameAsLinkTarget(header: TarHeader, path: string): boolean {
    const a = lstatSync(linkSource(header));
    const b = lstatSync(path);
    return a.ino === b.ino && a.dev === b.dev;
  }

  async function setMetadata(path: string, header: TarHeader, setTimes: boolean): Promise<void> {
    const isLink = header.type === 'symlink';
    // Order matters: chown clears setuid/setgid bits and file capabilities, so it goes first.
    if (chown) lchownSync(path, header.uid, header.gid);
    if (!isLink) chmodSync(path, header.mode & 0o7777);
    const xattrs = xattrsOf(header.pax as Record<string, string> | undefined);
    if (xattrs.size > 0) await setXattrs(path, xattrs);
    if (setTimes) lutimesSync(path, header.mtime, header.mtime);
  }
}
