// The chunked tar writer against tar-stream's packer: the same entries give the same bytes (layer
// digests of existing builds stay), except that a mode of 0 is kept where the packer writes 0644.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { addTarEntry, createTarPack, encodeEntryHeader, forEachTarEntry, type EncodedHeader } from '../../src/snapshot/tar-format.js';
import { hostAddon } from '../../src/host/addon.js';
import { readBodies, TarWriter, type BodyReader } from '../../src/snapshot/tar-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbuild-tar-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mtime = new Date(1_700_000_000_000);
const big = Buffer.alloc(2.5 * 1024 * 1024 + 3, 7); // spans chunk boundaries, unpadded tail
const small = Buffer.from('hello\n');
writeFileSync(join(dir, 'big'), big);
writeFileSync(join(dir, 'small'), small);

const base = { mode: 0o644, uid: 0, gid: 0, size: 0, mtime };
const entries: { header: EncodedHeader; file?: string }[] = [
  { header: { ...base, name: 'dir/', type: 'directory', mode: 0o755 } },
  { header: { ...base, name: 'dir/small', type: 'file', uid: 1000, gid: 1000, size: small.length }, file: 'small' },
  { header: { ...base, name: `${'d'.repeat(120)}/${'f'.repeat(90)}`, type: 'file', size: small.length }, file: 'small' },
  { header: { ...base, name: 'x'.repeat(180), type: 'file', size: big.length }, file: 'big' },
  { header: { ...base, name: 'ünïcødé', type: 'file', size: small.length }, file: 'small' },
  { header: { ...base, name: 'xattr', type: 'file', size: small.length, pax: { 'SCHILY.xattr.user.a': 'b' } }, file: 'small' },
  { header: { ...base, name: 'long-target', type: 'symlink', mode: 0o777, linkname: 't'.repeat(150) } },
  { header: { ...base, name: 'hard', type: 'link', linkname: 'dir/small' } },
  { header: { ...base, name: 'null', type: 'character-device', devmajor: 1, devminor: 3 } },
  { header: { ...base, name: 'dir/.wh.gone', type: 'file' } },
];

async function collect(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return Buffer.concat(out);
}

const readFiles: BodyReader = (memory, paths, places) => hostAddon().readFiles(memory, paths, places);

async function written(list: typeof entries): Promise<Buffer> {
  const tar = new TarWriter(encodeEntryHeader);
  for (const { header, file } of list) {
    if (file === undefined) tar.entry(header);
    else [...tar.file(header, join(dir, file))]; // laid out whole: chunks are taken at the end
  }
  tar.end();
  const chunks = await readBodies(tar.take(), readFiles);
  expect(chunks.slice(0, -1).every((c) => c.length === 1 << 20)).toBe(true);
  return Buffer.concat(chunks);
}

async function packed(list: typeof entries): Promise<Buffer> {
  const pack = createTarPack();
  const bytes = collect(pack as AsyncIterable<Uint8Array>);
  for (const { header, file } of list) {
    await addTarEntry(pack, { ...header, type: header.type as 'file' }, file === undefined ? undefined : [file === 'big' ? big : small]);
  }
  pack.finalize();
  return bytes;
}

it('writes the bytes tar-stream packs', async () => {
  expect((await written(entries)).equals(await packed(entries))).toBe(true);
});

it('keeps a mode of 0 and reads back every entry', async () => {
  const bytes = await written([{ header: { ...base, name: 'locked', type: 'file', mode: 0, size: small.length }, file: 'small' }, ...entries]);
  const seen: { name: string; mode: number; size: number }[] = [];
  await forEachTarEntry([bytes], async (header, body) => {
    seen.push({ name: header.name, mode: header.mode ?? -1, size: (await collect(body)).length });
  });
  expect(seen[0]).toEqual({ name: 'locked', mode: 0, size: small.length });
  expect(seen.map((s) => s.name)).toEqual(['locked', ...entries.map((e) => e.header.name)]);
  expect(seen.find((s) => s.name.startsWith('x'))?.size).toBe(big.length);
});

it('fails when a file is shorter than its header says, or cannot be read', async () => {
  const tar = new TarWriter(encodeEntryHeader);
  [...tar.file({ ...base, name: 'small', type: 'file', size: 100 }, join(dir, 'small'))];
  tar.end();
  await expect(readBodies(tar.take(), readFiles)).rejects.toThrow(`${join(dir, 'small')} became shorter while it was written to a layer`);
  const missing = new TarWriter(encodeEntryHeader);
  [...missing.file({ ...base, name: 'gone', type: 'file', size: 1 }, join(dir, 'gone'))];
  missing.end();
  await expect(readBodies(missing.take(), readFiles)).rejects.toMatchObject({ code: 'ENOENT' });
});
