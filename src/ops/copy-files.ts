// The file copy behind COPY and ADD: sources (paths or wildcards, relative to a source root: the
// build context or a stage's rootfs) into a destination rootfs directory, with BuildKit's rules —
// a directory source copies its contents, a file goes into an existing/trailing-slash directory or
// becomes the destination name, the source's own symlink is followed (links inside trees are kept),
// created parent directories are 0755 (or an octal --chmod's permission bits), --chown/--chmod/--exclude/
// --parents applied while copying.
import {
  type Stats,
  copyFileSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, posix, relative } from 'node:path';
import type { ContentHashIndex } from '../../cache/index.js';
import { compileGlob, type IgnoreMatcher } from '../../grammar/index.js';
import { TurnTaker } from '../event-loop.js';
import { checksumSelection, type ChecksumOptions, type SelectedSource } from '../context/checksum.js';
import type { ContextStat } from '../context/context-stat.js';
import type { EntryPaths } from '../context/selection.js';
import { seenOrLstat, walkSelected } from '../context/walk.js';
import { extractArchive, isArchive, type ExtractedArchive } from './archive.js';
import { previousHasFile, setFileMetadata, type CopiedFiles, type PendingLink, type PreviousCopy } from './copied-files.js';
import { UserError } from '../errors.js';
import type { Chmod } from './chmod.js';
import type { Owner } from './owner.js';
import { resolveInRoot } from './root-path.js';
import { isSpecialFile, makeSpecialFile } from './special-files.js';

export interface CopyRequest {
  /** Source paths as written (variables expanded), relative to the source root; wildcards allowed. */
  sources: string[];
  /** Absolute path in the destination rootfs; a trailing `/` means "into this directory". */
  destination: string;
  /** --chown, resolved; without it entries keep the source owner (see `sourceOwner`). */
  owner: Owner | undefined;
  /** Context files enter the image as 0:0 (Docker's rule); stage/image files keep their owners. */
  sourceOwner: 'keep' | 'root';
  /** --chmod. */
  mode: Chmod | undefined;
  /** --exclude patterns, matched against paths relative to each copied source. */
  exclude: IgnoreMatcher | undefined;
  /** .dockerignore of the context (paths relative to the source root). */
  sourceIgnore: IgnoreMatcher | undefined;
  /** --parents: keep each source's path (below a `/./` pivot when there is one). */
  parents: boolean;
  /** mtime of directories this copy creates (SOURCE_DATE_EPOCH or the stable default). */
  createdTime: Date;
  /** ADD: local tar archives (plain, gzip, bzip2, xz) are unpacked into the destination directory. */
  unpack: boolean;
  /** Scratch space for unpacking archives. */
  tmpDir: string;
  /** Content digest of a source file when known without reading it (the context's content-hash index). */
  knownDigest?: ((hostPath: string, info: ContextStat) => string | undefined) | undefined;
  /** The previous result of the same copy, whose unchanged files are linked instead of copied. */
  previous?: PreviousCopy | undefined;
  /**
   * Source entries as the step's checksum walk saw them, by host path: the copy gives them the metadata
   * its cache key was made from, and spares a second lstat of each.
   */
  seenStats?: ReadonlyMap<string, ContextStat> | undefined;
}

/** One resolved source: its host path (symlinks followed) and where it lands relative to the destination. */
interface ResolvedSource {
  hostPath: string;
  /** Path relative to the source root, for ignore checks. */
  relativePath: string;
  /** With --parents: the path kept below the destination. */
  keptPath: string | undefined;
}

/** What a copy leaves for its caller (see copied-files.ts). */
export interface CopyOutcome {
  /** Regular files written whose source digest was known. */
  copied: CopiedFiles;
  /** Files not written, to link from the previous copy once `destinationRoot` is unmounted. */
  pendingLinks: PendingLink[];
}

export async function copyFiles(sourceRoot: string, destinationRoot: string, request: CopyRequest): Promise<CopyOutcome> {
  const copier = new Copier(destinationRoot, request);
  const destinationPath = posix.normalize(`/${request.destination}`);
  const resolved: ResolvedSource[] = [];
  for (const source of request.sources) resolved.push(...(await resolveSource(sourceRoot, source, request)));
  // Wildcards that matched nothing copy nothing, and then not even `dest/` is made (BuildKit's empty wildcard);
  // --parents copies from the source root through include patterns, which always makes `dest/`.
  if (request.destination.endsWith('/') && (resolved.length > 0 || request.parents)) await copier.ensureDirectory(destinationPath);
  for (const source of resolved) await copier.copySource(source, destinationPath);
  copier.restampCreatedDirectories();
  return { copied: copier.copied, pendingLinks: [...copier.pendingLinks.values()] };
}

async function resolveSource(sourceRoot: string, source: string, request: Pick<CopyRequest, 'sourceIgnore' | 'parents'>): Promise<ResolvedSource[]> {
  const pattern = posix.normalize(`/${source}`);
  const wildcard = hasWildcard(pattern);
  // --parents matches like BuildKit's include patterns, where `**` spans any number of directories.
  const matches = wildcard ? await expandWildcards(sourceRoot, pattern, request.sourceIgnore, request.parents) : [pattern];
  const keptDepth = request.parents ? pivotDepth(source) : 0;
  const resolved: ResolvedSource[] = [];
  for (const match of request.parents ? outermost(matches) : matches) {
    const relativePath = match.replace(/^\/+|\/+$/g, ''); // `src/` is the directory src
    const ignored = relativePath !== '' && request.sourceIgnore?.ignores(relativePath) === true;
    const hostPath = await resolveInRoot(sourceRoot, match);
    // A file where a directory is expected (`src/*/b.txt` meeting src/a.txt) is a path that does not exist.
    const exists = !ignored && lstatIfAny(hostPath) !== undefined;
    if (!exists) {
      // A wildcard's miss is no match, but a match that is a dangling symlink fails: sources are followed.
      const danglingLink = !ignored && lstatIfAny(await resolveInRoot(sourceRoot, match, false)) !== undefined;
      if (wildcard && !danglingLink) continue;
      throw sourceNotFound(source, match, ignored);
    }
    // --parents keeps the path below the last `/./` pivot (whatever a wildcard before it matched).
    const keptPath = request.parents ? relativePath.split('/').slice(keptDepth).join('/') : undefined;
    resolved.push({ hostPath, relativePath, keptPath });
  }
  return resolved;
}

/** How many leading components of a --parents source are dropped: those before its last `/./` pivot. */
function pivotDepth(source: string): number {
  const pivot = source.lastIndexOf('/./');
  if (pivot < 0) return 0;
  return posix.normalize(`/${source.slice(0, pivot)}`).split('/').filter((c) => c !== '').length;
}

/** Matches not inside another match (a `**` can match both): copying the outer one already brings them. */
function outermost(matches: string[]): string[] {
  const inside = (path: string, outer: string): boolean => path !== outer && (outer === '/' || path.startsWith(`${outer}/`));
  return matches.filter((match) => !matches.some((outer) => inside(match, outer)));
}

/**
 * The content a copy would read, as key parts (src/context/checksum.ts): one `file <path> …` per
 * selected entry, ignore and --exclude rules applied, directories walked. Missing sources fail here
 * the same way the copy would.
 */
export async function checksumSources(
  index: ContentHashIndex,
  sourceRoot: string,
  request: Pick<CopyRequest, 'sources' | 'sourceIgnore' | 'exclude' | 'parents'>,
  options: ChecksumOptions,
): Promise<string[]> {
  const selected: SelectedSource[] = [];
  for (const source of request.sources) selected.push(...(await resolveSource(sourceRoot, source, request)));
  return checksumSelection(index, selected, { sourceIgnore: request.sourceIgnore, exclude: request.exclude }, options);
}

/**
 * BuildKit's words for a missing source, plus why when we can tell (users ask for it: buildkit#4128):
 * the path exists but .dockerignore excludes it, or it climbs out of the context.
 */
function sourceNotFound(source: string, path: string, ignored: boolean): UserError {
  const why = ignored
    ? ` (it is excluded by .dockerignore)`
    : source.split('/').includes('..')
      ? ` ("${source}" points outside the build context, which cannot be copied from)`
      : '';
  return new UserError(`failed to compute cache key: failed to calculate checksum of ref: "${path}": not found${why}`);
}

/** Wildcards in COPY/ADD sources follow Go's filepath.Match (grammar's compileGlob), one component at a time. */
function hasWildcard(path: string): boolean {
  return /[*?[\\]/.test(path);
}

/** `\*` → `*`: a component without wildcards, as a file name. */
function unescapeComponent(component: string): string {
  return component.replace(/\\(.)/g, '$1');
}

/**
 * All in-root paths matching `pattern` component by component, sorted; ignored context paths are skipped.
 * With `globstar`, a `**` component stands for zero or more directories (symlinks are not descended).
 */
async function expandWildcards(root: string, pattern: string, ignore: IgnoreMatcher | undefined, globstar: boolean): Promise<string[]> {
  let current = ['/'];
  for (const component of pattern.split('/').filter((c) => c !== '')) {
    const next: string[] = [];
    if (globstar && component === '**') {
      for (const dir of current) next.push(...(await directoriesBelow(root, dir, ignore)));
    } else if (!hasWildcard(component)) {
      for (const dir of current) next.push(posix.join(dir, unescapeComponent(component)));
    } else {
      const matches = compileGlob(component);
      for (const dir of current) {
        for (const name of await namesIn(root, dir)) {
          const candidate = posix.join(dir, name);
          if (matches(name) && !ignore?.ignores(candidate.slice(1))) next.push(candidate);
        }
      }
    }
    current = [...new Set(next)];
  }
  return current;
}

/** Sorted entry names of an in-root directory; none when it is missing or not a directory. */
async function namesIn(root: string, dir: string): Promise<string[]> {
  try {
    return (await readdir(await resolveInRoot(root, dir))).sort();
  } catch {
    return [];
  }
}

/** `dir` itself and every real directory below it, parents first. */
async function directoriesBelow(root: string, dir: string, ignore: IgnoreMatcher | undefined): Promise<string[]> {
  const found = [dir];
  for (const name of await namesIn(root, dir)) {
    const candidate = posix.join(dir, name);
    if (ignore?.ignores(candidate.slice(1))) continue;
    const info = lstatIfAny(await resolveInRoot(root, candidate, false));
    if (info?.isDirectory()) found.push(...(await directoriesBelow(root, candidate, ignore)));
  }
  return found;
}

class Copier {
  readonly copied: CopiedFiles = new Map();
  /** Files left to link from the previous copy once the rootfs is unmounted, by destination. */
  readonly pendingLinks = new Map<string, PendingLink>();
  /** Every directory this copy made. */
  private readonly madeDirectories = new Set<string>();
  /** Hard-linked source files (dev:ino) → where their first copy went, so later names link to it. */
  private readonly copiedInodes = new Map<string, string>();
  /** Directories this copy created, whose mtime later writes into them bumped. */
  private readonly createdDirectories: { path: string; mtime: Date }[] = [];
  private readonly turns = new TurnTaker();
  private readonly rootPrefix: string;

  constructor(
    private readonly root: string,
    private readonly request: CopyRequest,
  ) {
    this.rootPrefix = root.endsWith('/') ? root : `${root}/`;
  }

  async copySource(source: ResolvedSource, destinationPath: string): Promise<void> {
    const info = statSync(source.hostPath);
    if (this.request.unpack && info.isFile() && (await isArchive(source.hostPath))) {
      await this.unpackInto(source.hostPath, destinationPath);
      return;
    }
    if (source.keptPath !== undefined) {
      const target = posix.join(destinationPath, source.keptPath);
      if (info.isDirectory()) await this.copyDirectoryContents(source, target);
      else {
        await this.ensureDirectory(posix.dirname(target));
        this.copyEntry(source.hostPath, await resolveInRoot(this.root, target, false), info);
      }
      return;
    }
    if (info.isDirectory()) {
      await this.copyDirectoryContents(source, destinationPath);
      return;
    }
    const hostDestination = await resolveInRoot(this.root, destinationPath);
    const existing = lstatIfAny(hostDestination);
    if (existing?.isDirectory()) {
      this.copyEntry(source.hostPath, join(hostDestination, basename(source.relativePath)), info);
    } else {
      await this.ensureDirectory(posix.dirname(destinationPath));
      this.copyEntry(source.hostPath, hostDestination, info);
    }
  }

  /** Unpacks into a scratch directory first, so --chown/--chmod and merging follow the copy rules. */
  private async unpackInto(archive: string, destinationPath: string): Promise<void> {
    const destination = await this.ensureDirectory(destinationPath);
    const scratch = join(this.request.tmpDir, `unpack-${randomBytes(6).toString('hex')}`);
    await mkdir(scratch, { recursive: true });
    try {
      const extracted = await extractArchive(archive, scratch);
      await this.copyTree(scratch, destination, { contextPath: '', relative: '' }, extracted);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** Creates `path` and missing parents (0755, or an octal --chmod's permission bits; --chown owner; stable mtime). */
  async ensureDirectory(path: string): Promise<string> {
    const components = path.split('/').filter((c) => c !== '');
    let current = '/';
    let host = this.root;
    for (const component of components) {
      current = posix.join(current, component);
      host = await resolveInRoot(this.root, current);
      const existing = lstatIfAny(host);
      if (existing?.isDirectory()) continue;
      if (existing) throw new UserError(`cannot copy to ${path}: ${current} is not a directory`);
      this.makeDirectory(host);
      const owner = this.request.owner ?? { uid: 0, gid: 0 };
      setFileMetadata(host, { mode: this.request.mode?.createdDirectoryMode ?? 0o755, ...owner, mtime: this.request.createdTime });
      this.createdDirectories.push({ path: host, mtime: this.request.createdTime });
    }
    return host;
  }

  /** Deepest first, so restamping a child does not bump its parent again. */
  restampCreatedDirectories(): void {
    for (const { path, mtime } of this.createdDirectories.reverse()) lutimesSync(path, mtime, mtime);
  }

  /**
   * A directory source: its contents go into `destinationPath`. A new destination is made like every
   * directory the copy creates (0755 root, or --chown/--chmod), not after the source directory (BuildKit's
   * testCopyChownExistingDir: "creates the target directory (as root)"); an existing one keeps its metadata.
   */
  private async copyDirectoryContents(source: ResolvedSource, destinationPath: string): Promise<void> {
    const host = destinationPath === '/' ? this.root : await resolveInRoot(this.root, destinationPath);
    const existing = lstatIfAny(host);
    if (existing && !existing.isDirectory()) throw new UserError(`cannot copy to non-directory: ${destinationPath}`);
    const directory = existing ? host : await this.ensureDirectory(destinationPath);
    await this.copyTree(source.hostPath, directory, { contextPath: source.relativePath, relative: '' }, undefined);
  }

  /**
   * Copies the selected entries below `sourceDir` into the existing directory `destinationDir`; `paths`
   * says where `sourceDir` is for the selection rules. Unpacked archives (`archive`) keep their owners and
   * know no .dockerignore, only --exclude. A directory meeting a non-directory fails (BuildKit's copier),
   * except in an archive, which replaces it — or goes through it, for a symlink where the archive names
   * no directory of its own.
   */
  private async copyTree(sourceDir: string, destinationDir: string, paths: EntryPaths, archive: ExtractedArchive | undefined): Promise<void> {
    const fromArchive = archive !== undefined;
    const rules = { sourceIgnore: fromArchive ? undefined : this.request.sourceIgnore, exclude: this.request.exclude };
    const newDirectories: { path: string; info: EntryStats }[] = [];
    const mergedDirectories: { path: string; info: EntryStats }[] = [];
    const made = new Set<string>();
    // Where each directory of the tree is on the host: below a followed symlink it is not the lexical path.
    const hostDirectories = new Map<string, string>([['', destinationDir]]);
    // Parents come before their children, so every directory exists before anything is written into it.
    const statOf = seenOrLstat(fromArchive ? undefined : this.request.seenStats);
    for (const entry of await walkSelected(sourceDir, paths, rules, statOf)) {
      await this.turns.turn();
      // Joined by hand: walked names hold no '/', and path.join's normalizing showed in profiles.
      const slash = entry.relative.lastIndexOf('/');
      const parent = slash === -1 ? '' : entry.relative.slice(0, slash);
      const hostParent = hostDirectories.get(parent) ?? join(destinationDir, parent);
      const destinationPath = `${hostParent.endsWith('/') ? hostParent.slice(0, -1) : hostParent}/${entry.relative.slice(slash + 1)}`;
      if (!entry.info.isDirectory()) {
        this.copyEntry(entry.hostPath, destinationPath, entry.info, fromArchive, !made.has(hostParent));
        continue;
      }
      const existing = lstatIfAny(destinationPath);
      const through = existing?.isSymbolicLink() && archive !== undefined && !archive.explicitDirectories.has(entry.relative) ? await this.directoryBehind(destinationPath) : undefined;
      if (existing?.isDirectory() || through !== undefined) {
        hostDirectories.set(entry.relative, through ?? destinationPath);
        // Merged into: it keeps its own metadata, except that an archive's own entry for it is applied
        // over it (moby's Untar chmods/chowns an existing directory to the header's values).
        if (existing?.isDirectory() && archive?.explicitDirectories.has(entry.relative)) mergedDirectories.push({ path: destinationPath, info: entry.info });
        continue;
      }
      if (existing && !fromArchive) throw new UserError(`cannot copy to non-directory: ${this.rootfsPath(destinationPath)}`);
      if (existing) this.replace(destinationPath, existing);
      this.makeDirectory(destinationPath);
      made.add(destinationPath);
      hostDirectories.set(entry.relative, destinationPath);
      newDirectories.push({ path: destinationPath, info: entry.info });
    }
    // Metadata last and deepest first, so no directory's mtime is bumped by what goes into it.
    for (const directory of newDirectories.reverse()) this.applyMetadata(directory.path, this.sourceMetadata(directory.info, true, fromArchive));
    for (const directory of mergedDirectories.reverse()) this.applyMetadata(directory.path, this.sourceMetadata(directory.info, true, true));
  }

  /**
   * The directory the symlink at host path `link` leads to, resolved inside the rootfs and made when it
   * is missing (moby#53258); undefined when a non-directory is there.
   */
  private async directoryBehind(link: string): Promise<string | undefined> {
    const target = await resolveInRoot(this.root, this.rootfsPath(link));
    const info = lstatIfAny(target);
    if (info === undefined) return this.ensureDirectory(this.rootfsPath(target));
    return info.isDirectory() ? target : undefined;
  }

  /** `/…` path in the rootfs of a host path below it. */
  private rootfsPath(hostPath: string): string {
    return `/${this.rootRelative(hostPath)}`;
  }

  /** The path below the rootfs of a host path in it: by slicing, as path.relative's normalizing costs per file. */
  private rootRelative(hostPath: string): string {
    return hostPath.startsWith(this.rootPrefix) ? hostPath.slice(this.rootPrefix.length) : relative(this.root, hostPath);
  }

  /**
   * Copies one non-directory entry (file, symlink, fifo, device; a socket becomes an empty file) to `destination`.
   * `mayExist` false: `destination` is in a directory this copy just made, so nothing is there to replace.
   */
  private copyEntry(sourcePath: string, destination: string, info: EntryStats, keepOwner = false, mayExist = true): void {
    this.pendingLinks.delete(destination);
    const existing = mayExist ? lstatIfAny(destination) : undefined;
    if (existing) this.replace(destination, existing);
    if (info.isSymbolicLink()) {
      symlinkSync(readlinkSync(sourcePath), destination);
      this.applyMetadata(destination, { ...this.sourceMetadata(info, false, keepOwner), symlink: true });
      return;
    }
    if (info.isFile() && Number(info.nlink) > 1) {
      // Hard links within one copy stay hard links (as BuildKit's copier keeps them).
      const inode = `${info.dev}:${info.ino}`;
      const first = this.copiedInodes.get(inode);
      if (first !== undefined) {
        linkSync(first, destination);
        return;
      }
      this.copiedInodes.set(inode, destination);
    }
    const metadata = this.sourceMetadata(info, false, keepOwner);
    if (isSpecialFile(info)) makeSpecialFile(destination, info);
    else if (!info.isFile()) writeFileSync(destination, ''); // a socket is copied as an empty stub, as BuildKit's copier does
    else if (this.leftToLink(sourcePath, destination, info, metadata)) return;
    // Small files through memory: copyFileSync truncates the new file explicitly, which ext4 makes slow.
    else if (Number(info.size) <= smallFileBytes) writeFileSync(destination, readFileSync(sourcePath));
    else copyFileSync(sourcePath, destination);
    this.applyMetadata(destination, metadata);
  }

  private makeDirectory(path: string): void {
    this.pendingLinks.delete(path);
    mkdirSync(path);
    this.madeDirectories.add(path);
  }

  /** Removes what is at `path` (`existing`), and what was noted of the files it held. */
  private replace(path: string, existing: Stats): void {
    rmSync(path, { recursive: true, force: true });
    if (this.copied.size === 0) return;
    const rel = this.rootRelative(path);
    this.copied.delete(rel);
    // Only a directory can hold noted files; scanning for them on every replaced file would be quadratic.
    if (!existing.isDirectory()) return;
    for (const key of this.pendingLinks.keys()) if (key.startsWith(`${path}/`)) this.pendingLinks.delete(key);
    for (const key of this.copied.keys()) if (key.startsWith(`${rel}/`)) this.copied.delete(key);
  }

  /**
   * Notes the source digest of a regular file; true when the previous copy's file is this one, so it is
   * left to be linked after the copy (into a directory this copy made, so it exists in the snapshot's
   * own files). Files with other names in the source stay copied: their later names link to this one.
   */
  private leftToLink(sourcePath: string, destination: string, info: EntryStats, metadata: EntryMetadata): boolean {
    const { knownDigest, previous } = this.request;
    if (knownDigest === undefined) return false;
    const digest = knownDigest(sourcePath, typeof info.size === 'bigint' ? (info as ContextStat) : lstatSync(sourcePath, { bigint: true }));
    if (digest === undefined) return false;
    const rel = this.rootRelative(destination);
    const { mode, uid, gid, mtime } = this.finalMetadata(metadata);
    const file = { digest, size: Number(info.size), mode, uid, gid, mtimeMs: mtime.getTime() };
    this.copied.set(rel, file);
    if (previous === undefined || Number(info.nlink) > 1 || !this.madeDirectories.has(dirname(destination))) return false;
    if (!previousHasFile(previous, rel, file)) return false;
    this.pendingLinks.set(destination, { rel, sourcePath, file });
    return true;
  }

  private sourceMetadata(info: EntryStats, isDirectory: boolean, keepOwner = false): EntryMetadata {
    const keep = keepOwner || this.request.sourceOwner === 'keep';
    return { mode: Number(info.mode) & 0o7777, uid: keep ? Number(info.uid) : 0, gid: keep ? Number(info.gid) : 0, isDirectory, mtime: info.mtime };
  }

  /** The source's metadata with --chown and --chmod applied. */
  private finalMetadata(metadata: EntryMetadata): { mode: number; uid: number; gid: number; mtime: Date } {
    const owner = this.request.owner ?? metadata;
    const mode = this.request.mode ? this.request.mode.apply(metadata.mode, metadata.isDirectory) : metadata.mode;
    return { mode, uid: owner.uid, gid: owner.gid, mtime: metadata.mtime };
  }

  private applyMetadata(path: string, metadata: EntryMetadata): void {
    const final = this.finalMetadata(metadata);
    if (!metadata.symlink) {
      setFileMetadata(path, final);
      return;
    }
    lchownSync(path, final.uid, final.gid);
    lutimesSync(path, final.mtime, final.mtime);
  }
}

/** The entry at `path`, or undefined when there is none — also when a parent on the way is a file (ENOTDIR). */
function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

const smallFileBytes = 256 * 1024;

/** Sources are stat'ed plainly, walked entries with bigint stats (the content-hash index needs ns times). */
type EntryStats = Stats | ContextStat;

interface EntryMetadata {
  mode: number;
  uid: number;
  gid: number;
  isDirectory: boolean;
  mtime: Date;
  symlink?: boolean;
}
