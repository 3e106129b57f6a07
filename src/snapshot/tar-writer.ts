// A tar laid out synchronously in 1 MiB chunks: headers from tar-format's encoder, and room left for each
// file's body, which `readBodies` then fills on the thread pool (the native addon's readFiles). So the
// writer lays out the next chunk — lstats and headers — while the bodies of the last one are read, on
// the other core; and for layers of many small files this is several times faster than a tar-stream
// pack, where each entry costs a stream, callbacks and event-loop turns.
import type { EncodedHeader } from './tar-format.js';

const chunkBytes = 1 << 20;
const zeros = Buffer.alloc(1024);

/** Room in a chunk for `length` bytes of the file at `path`, from byte `from` of it, at `at`. */
export interface BodyRoom {
  path: string;
  at: number;
  from: number;
  length: number;
}

/** A laid-out chunk: its bytes are complete once its bodies are read into it. */
export interface TarChunk {
  bytes: Buffer;
  bodies: BodyRoom[];
}

/** Reads file i's range [places[3i+1], +places[3i+2]) into `memory` at places[3i] (the addon's readFiles). */
export type BodyReader = (memory: Buffer, paths: string[], places: Float64Array) => Promise<void>;

export class TarWriter {
  private chunk = Buffer.allocUnsafe(chunkBytes);
  private bodies: BodyRoom[] = [];
  private used = 0;
  private done: TarChunk[] = [];

  constructor(private readonly encodeHeader: (header: EncodedHeader) => Buffer[]) {}

  /** An entry without a body: directory, link, device, fifo, whiteout. */
  entry(header: EncodedHeader): void {
    for (const block of this.encodeHeader(header)) this.raw(block);
  }

  /**
   * A regular file: its header, then room for `header.size` bytes of `path`. Yields each time a chunk
   * fills, so the caller can pass chunks on while a large file is still being laid out.
   */
  *file(header: EncodedHeader, path: string): Generator<void> {
    this.entry(header);
    for (let from = 0; from < header.size; ) {
      if (this.used === chunkBytes) {
        this.rotate();
        yield;
      }
      const length = Math.min(header.size - from, chunkBytes - this.used);
      this.bodies.push({ path, at: this.used, from, length });
      this.used += length;
      from += length;
    }
    const rest = header.size % 512;
    if (rest !== 0) this.raw(zeros.subarray(0, 512 - rest));
  }

  /** The end-of-archive marker; the last chunk is then laid out. */
  end(): void {
    this.raw(zeros);
    if (this.used > 0) this.rotate();
  }

  /** The chunks laid out since the last call, bodies still to read. Each is a new buffer the caller may keep. */
  take(): TarChunk[] {
    const out = this.done;
    this.done = [];
    return out;
  }

  private raw(bytes: Buffer): void {
    let offset = 0;
    while (offset < bytes.byteLength) {
      if (this.used === chunkBytes) this.rotate();
      const copied = bytes.copy(this.chunk, this.used, offset);
      this.used += copied;
      offset += copied;
    }
  }

  private rotate(): void {
    this.done.push({ bytes: this.used === chunkBytes ? this.chunk : this.chunk.subarray(0, this.used), bodies: this.bodies });
    this.chunk = Buffer.allocUnsafe(chunkBytes);
    this.bodies = [];
    this.used = 0;
  }
}

/** The chunks' bytes, once `read` has put every body in place. A file shorter than its header said fails. */
export async function readBodies(chunks: TarChunk[], read: BodyReader): Promise<Buffer[]> {
  await Promise.all(
    chunks.map(async ({ bytes, bodies }) => {
      if (bodies.length === 0) return;
      const places = new Float64Array(bodies.length * 3);
      const paths: string[] = [];
      for (const body of bodies) {
        places[paths.length * 3] = body.at;
        places[paths.length * 3 + 1] = body.from;
        places[paths.length * 3 + 2] = body.length;
        paths.push(body.path);
      }
      try {
        await read(bytes, paths, places);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENODATA') throw err;
        throw new Error(`${(err as Error).message.replace(/^read (.*): [^:]*$/, '$1')} became shorter while it was written to a layer`, { cause: err });
      }
    }),
  );
  return chunks.map((chunk) => chunk.bytes);
}
