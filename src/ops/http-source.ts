// ADD <url>: download into scratch space, verify --checksum, name the file after the URL's last path
// segment (`__unnamed__` when there is none) and give it mode 0600 (unless --chmod) and the server's
// Last-Modified time, as BuildKit's HTTP source does. The downloaded file is then copied like a context file.
// Without --checksum, what the server has now is part of the step's key (urlKeyPart), so a changed remote
// file is fetched again rather than served stale from the cache.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, utimes } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors.js';
import { httpGet } from '../http/get.js';

/** BuildKit's agent is `buildkit/v…`: servers and proxies that tell build fetches apart look for it. */
const userAgent = 'tsbuild buildkit/v0-compatible';

export function isUrlSource(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

export function urlFileName(url: string): string {
  let base = '';
  try {
    base = posix.basename(new URL(url).pathname);
  } catch {
    base = '';
  }
  return base === '' || base === '.' || base === '/' ? '__unnamed__' : base;
}

export interface Download {
  dir: string;
  name: string;
  digest: string;
  remove(): Promise<void>;
}

/** `sha256:<hex>` (also sha384/sha512); anything else is refused with BuildKit's wording. */
function parseChecksum(checksum: string): { algorithm: string; hex: string } {
  const match = /^(sha256|sha384|sha512):([a-f0-9]+)$/.exec(checksum);
  if (!match) throw new UserError(`invalid checksum ${checksum}: expected sha256:<hex digest>`);
  return { algorithm: match[1] as string, hex: match[2] as string };
}

export interface DownloadOptions {
  checksum?: string | undefined;
  signal?: AbortSignal | undefined;
  /** A PEM file of CA certificates trusted besides Node's own. */
  extraCaFile?: string | undefined;
}

export async function downloadUrl(url: string, tmpDir: string, options: DownloadOptions = {}): Promise<Download> {
  const { checksum, signal, extraCaFile } = options;
  const expected = checksum === undefined ? undefined : parseChecksum(checksum);
  const response = await fetchOk(url, { signal, extraCaFile });
  const dir = join(tmpDir, `download-${createHash('sha256').update(`${url}${Date.now()}${Math.random()}`).digest('hex').slice(0, 16)}`);
  const name = urlFileName(url);
  await mkdir(dir, { recursive: true });
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const hash = createHash(expected?.algorithm ?? 'sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    await pipeline(response, hashing, createWriteStream(join(dir, name), { mode: 0o600 }));
    const hex = hash.digest('hex');
    if (expected && hex !== expected.hex) throw new UserError(`digest mismatch ${expected.algorithm}:${hex}: ${checksum}`);
    const lastModified = response.headers['last-modified'];
    if (lastModified !== undefined && !Number.isNaN(Date.parse(lastModified))) {
      const time = new Date(Date.parse(lastModified));
      await utimes(join(dir, name), time, time);
    }
    return { dir, name, digest: `${expected?.algorithm ?? 'sha256'}:${hex}`, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/** A successful response for `url` (redirects followed), else a user error in BuildKit's words. */
async function fetchOk(url: string, options: Pick<DownloadOptions, 'signal' | 'extraCaFile'>): Promise<IncomingMessage> {
  const response = await httpGet(url, { headers: { 'User-Agent': userAgent }, ...options }).catch((err: unknown) => {
    throw new UserError(`failed to fetch ${url}: ${(err as Error).message}`, { cause: err });
  });
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    response.resume();
    throw new UserError(`failed to fetch ${url}: invalid response status ${status}`);
  }
  return response;
}

/**
 * The key part of an ADD <url> without --checksum: what the server says about the file now — its ETag,
 * else Last-Modified and length (BuildKit revalidates with these), else the digest of the body itself.
 */
export async function urlKeyPart(url: string, options: Pick<DownloadOptions, 'extraCaFile'> = {}): Promise<string> {
  const response = await fetchOk(url, options);
  const { etag, 'last-modified': lastModified, 'content-length': length } = response.headers;
  if (etag !== undefined || lastModified !== undefined) {
    response.destroy(); // the headers say enough; the body is fetched by the step if it runs
    return `url ${url} ${etag !== undefined ? `etag=${etag}` : `modified=${lastModified} length=${length ?? '-'}`}`;
  }
  const hash = createHash('sha256');
  for await (const chunk of response) hash.update(chunk as Buffer);
  return `url ${url} sha256:${hash.digest('hex')}`;
}
