// The lstats of many paths from one addon call (lstatMany), read by field: writing a layer of 20,000 files
// took 20,000 fs.lstatSync calls, each a Stats object with four Dates for the collector to sweep.
import { hostAddon } from '../host/addon.js';
import type { EncodedHeader } from './tar-format.js';

const fields = 12;

/** The tar type of each file type a layer holds (sockets have none). */
const typeByFormat = new Map<number, EncodedHeader['type']>([
  [0o100000, 'file'],
  [0o040000, 'directory'],
  [0o120000, 'symlink'],
  [0o020000, 'character-device'],
  [0o060000, 'block-device'],
  [0o010000, 'fifo'],
]);

export class EntryStats {
  private constructor(private readonly rows: Float64Array) {}

  /** lstat of each path, in order; throws for the first that fails, as fs.lstatSync would. */
  static of(paths: string[]): EntryStats {
    return new EntryStats(hostAddon().lstatMany(paths));
  }

  private field(index: number, field: number): number {
    return this.rows[index * fields + field] as number;
  }

  /** The entry's tar type; undefined for a socket, which does not go into layers. */
  type(index: number): EncodedHeader['type'] | undefined {
    return typeByFormat.get(this.field(index, 0) & 0o170000);
  }

  /** Permission bits with setuid, setgid and sticky. */
  permissions(index: number): number {
    return this.field(index, 0) & 0o7777;
  }

  uid(index: number): number {
    return this.field(index, 1);
  }

  gid(index: number): number {
    return this.field(index, 2);
  }

  size(index: number): number {
    return this.field(index, 3);
  }

  /** mtime in whole seconds (tar's precision). */
  mtimeSeconds(index: number): number {
    return this.field(index, 4);
  }

  links(index: number): number {
    return this.field(index, 5);
  }

  /** Device and inode, the same for every name of one file. */
  inode(index: number): string {
    return `${this.field(index, 6)}:${this.field(index, 7)}:${this.field(index, 8)}:${this.field(index, 9)}`;
  }

  /** A device file's major and minor numbers. */
  device(index: number): { major: number; minor: number } {
    return { major: this.field(index, 10), minor: this.field(index, 11) };
  }
}

/** The stats of `paths`, in order, taken a batch at a time as they are asked for. */
export class BatchedStats {
  private stats: EntryStats | undefined;
  private start = 0;
  private end = 0;
  private index = 0;

  constructor(
    private readonly paths: readonly string[],
    private readonly batch = 1024,
  ) {}

  /** The next path, with the stats holding it and its row there. */
  next(): { path: string; stats: EntryStats; row: number } {
    if (this.index === this.end) {
      const paths = this.paths.slice(this.index, this.index + this.batch);
      this.stats = EntryStats.of(paths);
      this.start = this.index;
      this.end = this.index + paths.length;
    }
    const path = this.paths[this.index];
    if (path === undefined || this.stats === undefined) throw new Error('BatchedStats: asked for more paths than it was given');
    return { path, stats: this.stats, row: this.index++ - this.start };
  }
}
