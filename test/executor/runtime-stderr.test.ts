// The stderr filter that keeps runc's own fatal line out of the process's stderr (the executor reports it
// from runc's log instead): everything else passes in order, whatever the chunking.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RuntimeStderrFilter } from '../../src/executor/runtime-stderr.js';

/** Feeds `text` in chunks of `size` bytes, then releases with `errors`; returns what came out. */
async function filtered(text: string, size: number, errors: string[]): Promise<string> {
  const filter = new RuntimeStderrFilter('runc');
  const out: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => out.push(chunk));
  filter.pipe(sink);
  const data = Buffer.from(text);
  for (let at = 0; at < data.length; at += size) filter.write(data.subarray(at, at + size));
  filter.end();
  filter.release(errors);
  await new Promise<void>((done) => filter.on('end', done));
  return Buffer.concat(out).toString();
}

const ownError = 'runc run failed: unable to start container process: exec: "/x": no such file or directory';

describe('runtime stderr filter', () => {
  for (const size of [1, 3, 7, 1000]) {
    it(`drops the runtime's logged error line and keeps the rest in order (chunks of ${size})`, async () => {
      expect(await filtered(`before\nrun\n${ownError}\nafter`, size, [ownError])).toBe('before\nrun\nafter');
    });

    it(`keeps a marker-like line the runtime did not log (chunks of ${size})`, async () => {
      const text = 'a\nrunc run failed: printed by the process\nb\nrunc run\nruncible\npartial';
      expect(await filtered(text, size, [])).toBe(text);
      expect(await filtered(text, size, [ownError])).toBe(text);
    });
  }

  it('passes output through before the run ends unless a line may be the runtime\'s', async () => {
    const filter = new RuntimeStderrFilter('runc');
    const out: string[] = [];
    filter.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    filter.write('hello\nwor');
    filter.write('ld\nru');
    expect(out.join('')).toBe('hello\nworld\n');
    filter.write('by\n');
    expect(out.join('')).toBe('hello\nworld\nruby\n');
    filter.release([]);
  });
});
