// runc shares its stderr with the process it runs, and prints its own fatal error there as well as in
// its log, from which the executor already reports it. This stream passes the process's stderr through
// unchanged, except that from a line that could be the runtime's own ("<runtime> run failed: …") on,
// output is held until the run ends; then the lines the runtime's log names are dropped and the rest
// follows in order, so the user reads the error once.
import { Transform, type TransformCallback } from 'node:stream';

const newline = 0x0a;

export class RuntimeStderrFilter extends Transform {
  private readonly marker: Buffer;
  /** Not yet passed on: a line start that may still turn out to be the marker, or all from a marked line on. */
  private held: Buffer = Buffer.alloc(0);
  /** False while a line that cannot be the runtime's is being passed through. */
  private atLineStart = true;
  private released = false;
  private flushed: TransformCallback | undefined;

  constructor(runtime: string) {
    super();
    this.marker = Buffer.from(`${runtime} run failed: `);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.released) this.push(chunk);
    else {
      this.held = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
      this.passUnmarked();
    }
    done();
  }

  /** The end of the input waits for release(): held lines can only be judged once the run is over. */
  override _flush(done: TransformCallback): void {
    if (this.released) done();
    else this.flushed = done;
  }

  /** Passes on what was held, except the lines the runtime logged as its own errors; then everything flows. */
  release(runtimeErrors: string[]): void {
    if (this.released) return;
    this.released = true;
    const own = new Set(runtimeErrors.map((message) => `${message}\n`));
    for (const line of splitLines(this.held)) if (!own.has(line.toString())) this.push(line);
    this.held = Buffer.alloc(0);
    this.flushed?.();
  }

  /** Pushes held lines until one that is, or may still become, the marker's. */
  private passUnmarked(): void {
    while (this.held.length > 0) {
      if (this.atLineStart) {
        const length = Math.min(this.held.length, this.marker.length);
        if (this.held.subarray(0, length).equals(this.marker.subarray(0, length))) return;
      }
      const end = this.held.indexOf(newline);
      const line = end < 0 ? this.held : this.held.subarray(0, end + 1);
      this.held = end < 0 ? Buffer.alloc(0) : this.held.subarray(end + 1);
      this.push(line);
      this.atLineStart = end >= 0;
    }
  }
}

function splitLines(data: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  for (let start = 0; start < data.length; ) {
    const end = data.indexOf(newline, start);
    const stop = end < 0 ? data.length : end + 1;
    lines.push(data.subarray(start, stop));
    start = stop;
  }
  return lines;
}
