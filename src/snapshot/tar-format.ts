// The tar-stream library as every tar reader/writer here uses it, made safe for binary extended
// attributes. Layer code imports it lazily: builds and runs that write or read no tar skip loading it.
//
// Why the patch: tar-stream encodes and decodes PAX record values as UTF-8 text, but
// SCHILY.xattr.* values are raw bytes (security.capability is a binary struct), so bytes ≥ 0x80 were
// corrupted. We replace its two PAX helpers with versions that carry xattr values as latin1
// strings (one char per byte) — callers convert with Buffer.from(value, 'latin1').
import { pipeline } from 'node:stream/promises';
import * as tarStream from 'tar-stream';
import { xattrPrefix } from './tar-names.js';
import { tarStreamHeaders } from './tar-stream-headers.js';

export type { Header as TarHeader, Pack as TarPack } from 'tar-stream';

interface TarStreamHeaders {
  encode(header: EncodedHeader): Buffer | null;
  encodePax(opts: { name?: string; linkname?: string | null; pax?: Record<string, string> | null }): Buffer;
  decodePax(buf: Buffer): Record<string, string>;
}

function paxRecord(key: string, value: string): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), Buffer.from(value, key.startsWith(xattrPrefix) ? 'latin1' : 'utf8'), Buffer.from('\n')]);
  // The length prefix counts itself: grow the digit count until it is self-consistent.
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

function encodePax(opts: { name?: string; linkname?: string | null; pax?: Record<string, string> | null }): Buffer {
  const records: Buffer[] = [];
  if (opts.name) records.push(paxRecord('path', opts.name));
  if (opts.linkname) records.push(paxRecord('linkpath', opts.linkname));
  for (const [key, value] of Object.entries(opts.pax ?? {})) {
    if (key !== 'path' && key !== 'linkpath') records.push(paxRecord(key, value));
  }
  return Buffer.concat(records);
}

function decodePax(buf: Buffer): Record<string, string> {
  const result: Record<string, string> = {};
  let rest = buf;
  while (rest.length > 0) {
    const space = rest.indexOf(0x20);
    const length = Number.parseInt(rest.subarray(0, space).toString('latin1'), 10);
    if (space <= 0 || !Number.isSafeInteger(length) || length <= space + 1 || length > rest.length) {
      throw new Error('invalid PAX extended header record');
    }
    const record = rest.subarray(space + 1, length - 1);
    const equals = record.indexOf(0x3d);
    if (equals === -1) throw new Error('invalid PAX extended header record');
    const key = record.subarray(0, equals).toString('utf8');
    result[key] = record.subarray(equals + 1).toString(key.startsWith(xattrPrefix) ? 'latin1' : 'utf8');
    rest = rest.subarray(length);
  }
  return result;
}

const headersModule = tarStreamHeaders as TarStreamHeaders;
headersModule.encodePax = encodePax;
headersModule.decodePax = decodePax;

export const createTarPack = tarStream.pack;

/** What the header encoder reads of an entry (tar-stream's field names). */
export interface EncodedHeader {
  name: string;
  type: tarStream.Header['type'] | 'pax-header';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  linkname?: string | undefined;
  devmajor?: number | undefined;
  devminor?: number | undefined;
  pax?: Record<string, string> | undefined;
}

const zeroBlock = Buffer.alloc(512);

/**
 * The bytes that precede an entry's body, as tar-stream's packer writes them: one ustar header, or —
 * when the entry has PAX records or a name or link target ustar cannot hold — a PAX header entry
 * (padded) followed by the ustar header. Unlike the packer, a mode of 0 stays 0.
 */
export function encodeEntryHeader(header: EncodedHeader): Buffer[] {
  const plain = header.pax ? null : headersModule.encode(header);
  if (plain) return [plain];
  const records = headersModule.encodePax({ name: header.name, linkname: header.linkname, pax: header.pax });
  const paxHeader: EncodedHeader = {
    name: 'PaxHeader',
    mode: header.mode,
    uid: header.uid,
    gid: header.gid,
    size: records.byteLength,
    mtime: header.mtime,
    type: 'pax-header',
    linkname: header.linkname ? 'PaxHeader' : header.linkname,
    devmajor: header.devmajor,
    devminor: header.devminor,
  };
  const out = [headersModule.encode(paxHeader) as Buffer, records];
  if (records.byteLength % 512 !== 0) out.push(zeroBlock.subarray(0, 512 - (records.byteLength % 512)));
  out.push(headersModule.encode({ ...paxHeader, size: header.size, type: header.type }) as Buffer);
  return out;
}

/** Adds one entry, streaming `body` (for files) with the pack's backpressure; resolves once written. */
export async function addTarEntry(pack: tarStream.Pack, header: Parameters<tarStream.Pack['entry']>[0], body?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
  let settle: (err?: Error | null) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  const sink = pack.entry(header, (err) => settle(err));
  for await (const chunk of body ?? []) {
    if (!sink.write(chunk)) await new Promise<void>((resolve) => sink.once('drain', () => resolve()));
  }
  (sink as unknown as { end(): void }).end();
  await done;
}

/**
 * Feeds `source` through a tar parser and calls `onEntry` for each entry, in order. A truncated or
 * corrupt tar rejects even while `onEntry` is still reading a body (the parser does not end the
 * body stream then, so waiting on it alone would hang). Bodies `onEntry` leaves unread are skipped.
 */
export async function forEachTarEntry(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | NodeJS.ReadableStream,
  onEntry: (header: tarStream.Header, body: AsyncIterable<Uint8Array>) => Promise<void>,
): Promise<void> {
  const extract = tarStream.extract();
  const feeding = pipeline(source, extract as unknown as NodeJS.WritableStream);
  const feedFailed = feeding.then(() => new Promise<never>(() => undefined));
  feedFailed.catch(() => undefined); // observed through the race below
  let current: { destroy(err?: Error): void } | undefined;
  let handling: Promise<void> | undefined;
  try {
    for await (const entry of extract) {
      current = entry;
      handling = onEntry(entry.header, entry as AsyncIterable<Uint8Array>);
      await Promise.race([handling, feedFailed]);
      entry.resume();
    }
    await feeding;
  } catch (err) {
    current?.destroy(err as Error);
    extract.destroy();
    // Let the handler finish its cleanup (e.g. an ingest removing its temp file) before failing.
    await Promise.allSettled([feeding, ...(handling ? [handling] : [])]);
    throw err;
  }
}
