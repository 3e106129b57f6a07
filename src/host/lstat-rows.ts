// The lstats of many paths from one addon call (lstatMany), read by field. Writing a layer of 20,000 files
// took 20,000 fs.lstatSync calls, and walking a 20,000-file context 20,000 BigIntStats, each with eighteen
// BigInts and four Dates for the collector to copy while the walk kept them: here a batch is one array.
import { constants } from 'node:fs';
import { hostAddon } from './addon.js';

/** Where each field sits in a path's row (native/host.c writes them in this order). */
const field = {
  mode: 0,
  uid: 1,
  gid: 2,
  size: 3,
  nlink: 4,
  devHigh: 5,
  devLow: 6,
  inoHigh: 7,
  inoLow: 8,
  rdevHigh: 9,
  rdevLow: 10,
  rdevMajor: 11,
  rdevMinor: 12,
  atimeSeconds: 13,
  atimeNanos: 14,
  mtimeSeconds: 15,
  mtimeNanos: 16,
  ctimeSeconds: 17,
  ctimeNanos: 18,
} as const;
const fieldsPerRow = 19;

/** Each time's two fields, seconds and nanoseconds. */
const timeFields = {
  atime: ['atimeSeconds', 'atimeNanos'],
  mtime: ['mtimeSeconds', 'mtimeNanos'],
  ctime: ['ctimeSeconds', 'ctimeNanos'],
} as const;

export type LstatField = keyof typeof field;

export class LstatRows {
  private constructor(private readonly rows: Float64Array) {}

  /** lstat of each path, in order; throws for the first that fails (code ENOENT…, its path in the message). */
  static of(paths: string[]): LstatRows {
    return new LstatRows(hostAddon().lstatMany(paths));
  }

  get count(): number {
    return this.rows.length / fieldsPerRow;
  }

  /** One field of path `index`'s lstat, as a number (64-bit values come as high and low halves). */
  get(index: number, name: LstatField): number {
    return this.rows[index * fieldsPerRow + field[name]] as number;
  }

  /** A 64-bit field from its halves. */
  wide(index: number, high: LstatField, low: LstatField): bigint {
    return (BigInt(this.get(index, high)) << 32n) | BigInt(this.get(index, low));
  }

  /** The file type bits of the mode, to compare with fs.constants' S_IFREG, S_IFDIR… */
  format(index: number): number {
    return this.get(index, 'mode') & constants.S_IFMT;
  }

  /** A time in nanoseconds since the epoch. */
  nanoseconds(index: number, time: keyof typeof timeFields): bigint {
    const [seconds, nanos] = timeFields[time];
    return BigInt(this.get(index, seconds)) * 1_000_000_000n + BigInt(this.get(index, nanos));
  }

  /** Device and inode, the same for every name of one file. */
  inode(index: number): string {
    return `${this.get(index, 'devHigh')}:${this.get(index, 'devLow')}:${this.get(index, 'inoHigh')}:${this.get(index, 'inoLow')}`;
  }
}

/** The lstats of `paths`, in order, taken a batch at a time as they are asked for. */
export class BatchedLstats {
  private rows: LstatRows | undefined;
  private start = 0;
  private end = 0;
  private index = 0;

  constructor(
    private readonly paths: readonly string[],
    private readonly batch = 1024,
  ) {}

  /** The next path, with the rows holding its lstat and its row there. */
  next(): { path: string; rows: LstatRows; row: number } {
    if (this.index === this.end) {
      const paths = this.paths.slice(this.index, this.index + this.batch);
      this.rows = LstatRows.of(paths);
      this.start = this.index;
      this.end = this.index + paths.length;
    }
    const path = this.paths[this.index];
    if (path === undefined || this.rows === undefined) throw new Error('BatchedLstats: asked for more paths than it was given');
    return { path, rows: this.rows, row: this.index++ - this.start };
  }
}
