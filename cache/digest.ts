// Digests: sha256 for everything OCI-facing (blobs, diffIDs, image IDs) and xxhash (xxh64) for
// internal keys (cache keys, context file checksums), which are many and never leave the machine.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import xxhashInit from 'xxhash-wasm';

/** "sha256:<64 hex>" (OCI) or "xxh64:<16 hex>" (internal). */
export type Digest = `sha256:${string}` | `xxh64:${string}`;
export type Sha256Digest = `sha256:${string}`;

const sha256Pattern = /^sha256:[0-9a-f]{64}$/;

export function isSha256Digest(value: string): value is Sha256Digest {
  return sha256Pattern.test(value);
}

/** The hex part of a digest, e.g. for blob paths. */
export function digestHex(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}

export function sha256Of(data: string | Uint8Array): Sha256Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Streams in large chunks; returns the digest and the byte count. */
export async function sha256OfStream(stream: Readable): Promise<{ digest: Sha256Digest; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    size += bytes.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

export function sha256OfFile(path: string): Promise<{ digest: Sha256Digest; size: number }> {
  return sha256OfStream(createReadStream(path, { highWaterMark: 1 << 20 }));
}

type XXHashApi = Awaited<ReturnType<typeof xxhashInit>>;
let xxhash: XXHashApi | undefined;
let loading: Promise<XXHashApi> | undefined;

/** Loads the xxhash WebAssembly module once, however many callers ask at the same time; the sync helpers below need it done. */
export async function initDigests(): Promise<void> {
  xxhash ??= await (loading ??= xxhashInit());
}

function api(): XXHashApi {
  if (!xxhash) throw new Error('initDigests() must be awaited before xxhash is used');
  return xxhash;
}

/** xxh64 of text or bytes as "xxh64:<16 hex>". */
export function xxh64Of(data: string | Uint8Array): Digest {
  const h = api();
  const hex = typeof data === 'string' ? h.h64ToString(data) : h.h64Raw(data).toString(16).padStart(16, '0');
  return `xxh64:${hex}`;
}

/** Incremental xxh64 for file contents. */
export interface Xxh64Hasher {
  update(data: string | Uint8Array): Xxh64Hasher;
  digest(): Digest;
}

export function createXxh64(): Xxh64Hasher {
  const inner = api().create64();
  const hasher: Xxh64Hasher = {
    update(data) {
      inner.update(data);
      return hasher;
    },
    digest() {
      return `xxh64:${inner.digest().toString(16).padStart(16, '0')}`;
    },
  };
  return hasher;
}
