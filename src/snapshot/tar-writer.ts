// A tar written synchronously into 1 MiB chunks: headers from tar-format's encoder, file bodies read
// from disk straight into the chunk. For layers of many small files this is several times faster than
// a tar-stream pack, where each entry costs a stream, callbacks and event-loop turns.
import { closeSync, openSync, readSync } from 'node:fs';
import type { EncodedHeader } from './tar-format.js';

const chunkBytes = 1 << 20;
const zeros = Buffer.alloc(1024);

export class TarWriter {
  private chunk = Buffer.allocUnsafe(chunkBytes);
  private used = 0;
  private done: Buffer[] = [];

  constructor(private readonly encodeHeader: (header: EncodedHeader) => Buffer[]) {}

  /** An entry without a body: directory, link, device, fifo, whiteout. */
  entry(header: EncodedHeader): void {
    for (const block of this.encodeHeader(header)) this.append(block);
  }

  /**
   * A regular file: its header, then `header.size` bytes of `path`. Yields each time a chunk fills, so
   * the caller can pass chunks on while a large file is still being read.
   */
  *file(header: EncodedHeader, path: string): Generator<void> {
    this.entry(header);
    const fd = openSync(path, 'r');
    try {
      let left = header.size;
      while (left > 0) {
        if (this.used === chunkBytes) {
          this.rotate();
          yield;
        }
        const read = readSync(fd, this.chunk, this.used, Math.min(left, chunkBytes - this.used), null);
        if (read === 0) throw new Error(`${path} became shorter while it was written to a layer`);
        this.used += read;
        left -= read;
      }
    } finally {
      closeSync(fd);
    }
    this.pad(header.size);
  }

  /** The end-of-archive marker; the last chunk is then ready. */
  end(): void {
    this.append(zeros);
    if (this.used > 0) this.rotate();
  }

  /** The chunks filled since the last call. Each is a new buffer the caller may keep. */
  take(): Buffer[] {
    const out = this.done;
    this.done = [];
    return out;
  }

  private pad(size: number): void {
    const rest = size % 512;
    if (rest !== 0) this.append(zeros.subarray(0, 512 - rest));
  }

  private append(bytes: Buffer): void {
    let offset = 0;
    while (offset < bytes.byteLength) {
      if (this.used === chunkBytes) this.rotate();
      const copied = bytes.copy(this.chunk, this.used, offset);
      this.used += copied;
      offset += copied;
    }
  }

  private rotate(): void {
    this.done.push(this.used === chunkBytes ? this.chunk : this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafe(chunkBytes);
    this.used = 0;
  }
}
