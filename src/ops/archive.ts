// ADD's archive rule: a local source that is a tar (plain, gzip, bzip2, xz or zstd compressed) is
// unpacked instead of copied. Detection looks at the bytes, not the name, and a compressed file counts
// only when what it holds is a tar — as BuildKit's AttemptUnpack decides.
import { createReadStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { decompressed, detectCompression } from '../image/compression.js';
import { applyLayer } from '../snapshot/apply.js';
import { cleanArchiveEntryName } from '../snapshot/tar-names.js';

/** ustar (and GNU tar) headers carry "ustar" at offset 257 of the first block. */
function looksLikeTar(block: Buffer): boolean {
  return block.length >= 262 && block.subarray(257, 262).toString('latin1') === 'ustar';
}

/** Whether `bytes` begin like an archive as Docker's CLI tells a context on stdin from a Dockerfile: compressed, or a tar. */
export function startsLikeArchive(bytes: Buffer): boolean {
  return detectCompression(bytes) !== 'none' || looksLikeTar(bytes.subarray(0, 512));
}

/** An archive's bytes, decompressed: from a file, or already in memory (a context on stdin). */
async function openDecompressed(archive: string | Buffer): Promise<Readable> {
  return (await decompressed(typeof archive === 'string' ? createReadStream(archive) : [archive])).stream;
}

async function firstBlock(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= 512) break;
    }
  } catch {
    // A corrupt compressed file is simply not an archive.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, 512);
}

/** True when `path` is a (possibly compressed) tar archive that ADD unpacks. */
export async function isArchive(path: string): Promise<boolean> {
  return looksLikeTar(await firstBlock(await openDecompressed(path)));
}

export interface ExtractedArchive {
  /**
   * Directories the archive has entries for (clean relative names). The others in the result were made
   * only as parents of entries: those follow a symlink the destination has there (moby's Untar, run in a
   * chroot), where a directory entry of its own replaces it.
   */
  explicitDirectories: ReadonlySet<string>;
}

/** Unpacks the archive at `archive` (a path, or its bytes) into `target` (absolute names land below it; `..` escapes are refused by applyLayer). */
export async function extractArchive(archive: string | Buffer, target: string): Promise<ExtractedArchive> {
  // One read: the bytes go both to the extraction and to a scan of the headers.
  const source = await openDecompressed(archive);
  const toApply = new PassThrough();
  const toScan = new PassThrough();
  source.pipe(toApply);
  source.pipe(toScan);
  source.once('error', (err) => {
    toApply.destroy(err);
    toScan.destroy(err);
  });
  const explicitDirectories = new Set<string>();
  // Loaded on use, as apply.ts does: builds that unpack no archive skip tar-stream.
  const { forEachTarEntry } = await import('../snapshot/tar-format.js');
  const scanning = forEachTarEntry(toScan, async (header) => {
    if (header.type !== 'directory') return;
    try {
      explicitDirectories.add(cleanArchiveEntryName(header.name));
    } catch {
      // A name applyLayer refuses: the extraction fails with the reason.
    }
  });
  const applying = applyLayer(target, toApply, { archive: true });
  try {
    await Promise.all([applying, scanning]);
  } catch (err) {
    // Either side failing stops both, and nothing writes into `target` once this returns.
    for (const stream of [source, toApply, toScan]) stream.destroy();
    await Promise.allSettled([applying, scanning]);
    throw err;
  }
  return { explicitDirectories };
}
