// What the context walks keep of an lstat: the fields of node's BigIntStats they read, which a BigIntStats
// has, and so does a row of one lstatMany call (host/lstat-rows.ts) read on demand. A walk of 20,000 files
// kept 20,000 BigIntStats (eighteen BigInts and four Dates each) alive through the build, and the young
// generation's collector copied them all; a row is one small object over a shared array.
import { constants, lstatSync, type BigIntStats } from 'node:fs';
import { LstatRows } from '../host/lstat-rows.js';

export type ContextStat = Pick<
  BigIntStats,
  | 'dev'
  | 'ino'
  | 'mode'
  | 'nlink'
  | 'uid'
  | 'gid'
  | 'rdev'
  | 'size'
  | 'atimeMs'
  | 'mtimeMs'
  | 'mtimeNs'
  | 'ctimeNs'
  | 'mtime'
  | 'isFile'
  | 'isDirectory'
  | 'isSymbolicLink'
  | 'isFIFO'
  | 'isCharacterDevice'
  | 'isBlockDevice'
  | 'isSocket'
>;

const nanosPerMilli = 1_000_000n;

/** One path's row of an lstatMany call, read as its BigIntStats would be. */
class RowStat implements ContextStat {
  constructor(
    private readonly rows: LstatRows,
    private readonly row: number,
  ) {}

  get dev(): bigint {
    return this.rows.wide(this.row, 'devHigh', 'devLow');
  }
  get ino(): bigint {
    return this.rows.wide(this.row, 'inoHigh', 'inoLow');
  }
  get rdev(): bigint {
    return this.rows.wide(this.row, 'rdevHigh', 'rdevLow');
  }
  get mode(): bigint {
    return BigInt(this.rows.get(this.row, 'mode'));
  }
  get nlink(): bigint {
    return BigInt(this.rows.get(this.row, 'nlink'));
  }
  get uid(): bigint {
    return BigInt(this.rows.get(this.row, 'uid'));
  }
  get gid(): bigint {
    return BigInt(this.rows.get(this.row, 'gid'));
  }
  get size(): bigint {
    return BigInt(this.rows.get(this.row, 'size'));
  }
  get mtimeNs(): bigint {
    return this.rows.nanoseconds(this.row, 'mtime');
  }
  get ctimeNs(): bigint {
    return this.rows.nanoseconds(this.row, 'ctime');
  }
  /** Whole milliseconds, as BigIntStats gives them (the nanoseconds divided, truncated). */
  get atimeMs(): bigint {
    return this.rows.nanoseconds(this.row, 'atime') / nanosPerMilli;
  }
  get mtimeMs(): bigint {
    return this.mtimeNs / nanosPerMilli;
  }
  get mtime(): Date {
    return new Date(Number(this.mtimeMs));
  }

  isFile(): boolean {
    return this.hasFormat(constants.S_IFREG);
  }
  isDirectory(): boolean {
    return this.hasFormat(constants.S_IFDIR);
  }
  isSymbolicLink(): boolean {
    return this.hasFormat(constants.S_IFLNK);
  }
  isFIFO(): boolean {
    return this.hasFormat(constants.S_IFIFO);
  }
  isCharacterDevice(): boolean {
    return this.hasFormat(constants.S_IFCHR);
  }
  isBlockDevice(): boolean {
    return this.hasFormat(constants.S_IFBLK);
  }
  isSocket(): boolean {
    return this.hasFormat(constants.S_IFSOCK);
  }
  private hasFormat(type: number): boolean {
    return this.rows.format(this.row) === type;
  }
}

/** The lstats of `paths`, in order, from one addon call; throws for the first that fails, as lstatSync would. */
export function lstatContext(paths: string[]): ContextStat[] {
  const rows = LstatRows.of(paths);
  return paths.map((_, row) => new RowStat(rows, row));
}

/**
 * lstatContext for a few paths: fs.lstatSync each. Loading the addon costs ~1 ms, as much as a few hundred
 * lstats, and the one caller that may not have it loaded (a no-op build's replay check) mostly has few.
 */
export function lstatFew(paths: string[]): ContextStat[] {
  return paths.map((path) => lstatSync(path, { bigint: true }));
}
