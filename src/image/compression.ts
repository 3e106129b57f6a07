// Recognises and undoes the compressions image tarballs and layers arrive in (gzip, xz; zstd and
// bzip2 via their Debian tools), by magic bytes, so callers can hand over any stream.
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { UserError } from '../errors.js';

// zlib loads (~1.5 ms) only when a gzip stream is read: builds that unpack nothing skip it. Not import(),
// which the bundled CLI cannot run (see src/http/get.ts).
const requireBuiltin = createRequire(import.meta.url);
const loadZlib = (): typeof import('node:zlib') => requireBuiltin('node:zlib') as typeof import('node:zlib');

export type Compression = 'none' | 'gzip' | 'xz' | 'zstd' | 'bzip2';

const magics: { kind: Compression; bytes: number[] }[] = [
  { kind: 'gzip', bytes: [0x1f, 0x8b] },
  { kind: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { kind: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { kind: 'bzip2', bytes: [0x42, 0x5a, 0x68] },
];

export function detectCompression(head: Uint8Array): Compression {
  for (const { kind, bytes } of magics) {
    if (head.length >= bytes.length && bytes.every((b, i) => head[i] === b)) return kind;
  }
  return 'none';
}

/** Reads the first bytes of `source` to learn its compression, then returns the whole stream, decompressed. */
export async function decompressed(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<{ compression: Compression; stream: Readable }> {
  const iterator = (async function* () {
    yield* source;
  })();
  const head: Uint8Array[] = [];
  let headLength = 0;
  let finished = false;
  while (headLength < 6) {
    const next = await iterator.next();
    if (next.done) {
      finished = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.byteLength;
  }
  const compression = detectCompression(Buffer.concat(head));
  async function* replay(): AsyncGenerator<Uint8Array> {
    yield* head;
    if (finished) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  const raw = Readable.from(replay(), { objectMode: false });
  switch (compression) {
    case 'none':
      return { compression, stream: raw };
    case 'gzip':
      return { compression, stream: raw.pipe(loadZlib().createGunzip()) };
    case 'xz':
      return { compression, stream: throughTool(raw, 'xz', ['-dc']) };
    case 'zstd':
      return { compression, stream: throughTool(raw, 'zstd', ['-dcq']) };
    case 'bzip2':
      return { compression, stream: throughTool(raw, 'bzip2', ['-dc']) };
  }
}

/** Pipes through a decompressor process; its failure (corrupt input, missing tool) fails the output stream. */
function throughTool(input: Readable, tool: string, args: string[]): Readable {
  const child = spawn(tool, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  input.on('error', (err) => child.stdout.destroy(err));
  child.stdin.on('error', () => undefined); // EPIPE when the tool quits early; its exit status tells why
  input.pipe(child.stdin);
  child.on('error', (err) => child.stdout.destroy(new UserError(`cannot run ${tool}: ${err.message}`)));
  child.on('close', (code) => {
    if (code !== 0) child.stdout.destroy(new UserError(`${tool} failed to decompress: ${stderr.trim() || `exit ${code}`}`));
  });
  return child.stdout;
}
