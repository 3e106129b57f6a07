// ADD's archive rule: a local source that is a tar (plain, gzip, bzip2 or xz compressed) is unpacked
// instead of copied. Detection looks at the bytes, not the name, and a compressed file counts only
// when what it holds is a tar — as BuildKit's AttemptUnpack decides.
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { applyLayer } from '../snapshot/apply.js';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz';

function compressionOf(head: Buffer): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  return 'none';
}

/** ustar (and GNU tar) headers carry "ustar" at offset 257 of the first block. */
function looksLikeTar(block: Buffer): boolean {
  return block.length >= 262 && block.subarray(257, 262).toString('latin1') === 'ustar';
}

/** The file's bytes, decompressed. External tools do bzip2/xz: Node has no decoder for them. */
function decompressed(path: string, compression: Compression): Readable {
  const file = createReadStream(path);
  if (compression === 'none') return file;
  if (compression === 'gzip') return pipeline(file, createGunzip(), () => undefined);
  const tool = spawn(compression, ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] });
  pipeline(file, tool.stdin, () => undefined);
  return tool.stdout;
}

async function firstBytes(stream: Readable, count: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= count) break;
    }
  } catch {
    // A corrupt compressed file is simply not an archive.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, count);
}

/** The compression of `path` when it is a tar archive ADD should unpack, else undefined. */
export async function archiveCompression(path: string): Promise<Compression | undefined> {
  const handle = await open(path, 'r');
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(512);
    const { bytesRead } = await handle.read(buffer, 0, 512, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const compression = compressionOf(head);
  const block = compression === 'none' ? head : await firstBytes(decompressed(path, compression), 512);
  return looksLikeTar(block) ? compression : undefined;
}

/** Unpacks the archive at `path` into `target` (entries escaping it are refused by applyLayer). */
export async function extractArchive(path: string, compression: Compression, target: string): Promise<void> {
  await applyLayer(target, decompressed(path, compression));
}
