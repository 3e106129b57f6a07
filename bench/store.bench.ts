// Store throughput on a 500 MB image: import (rootfs tar → layer blob → image), save (image → archive)
// and load (archive → store), each beside `skopeo copy` moving the same image between the same formats.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../src/config.js';
import { openEngine } from '../src/engine.js';
import { loadImageArchive } from '../src/image/archive-read.js';
import { writeImageArchive } from '../src/image/archive-write.js';
import { exportOciLayout } from '../src/image/export.js';
import { importRootfs } from '../src/image/import.js';
import { parseReference } from '../src/image/reference.js';
import { deleteImage } from '../src/image/remove.js';
import { addTarEntry, createTarPack } from '../src/snapshot/tar-format.js';
import type { BenchRow } from './table.js';

const imageBytes = 500 * 1000 * 1000;
const fileBytes = 10 * 1000 * 1000;

/** A rootfs tar of 50 files of incompressible bytes. */
async function writeRootfsTar(path: string): Promise<void> {
  const pack = createTarPack();
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  pack.pipe(out);
  await addTarEntry(pack, { name: 'data/', type: 'directory', mode: 0o755, mtime: new Date(0) });
  for (let i = 0; i < imageBytes / fileBytes; i++) {
    await addTarEntry(pack, { name: `data/file-${i}`, type: 'file', mode: 0o644, size: fileBytes, mtime: new Date(0) }, [randomBytes(fileBytes)]);
  }
  pack.finalize();
  await done;
}

/** Times `work` after flushing earlier writes, so one step does not pay for the previous one's writeback. */
async function timed(work: () => Promise<unknown> | unknown): Promise<number> {
  execFileSync('sync');
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const mbPerSecond = (bytes: number, seconds: number): number => bytes / 1e6 / seconds;

export async function runStoreBench(): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tsbuild-bench-store-'));
  try {
    const engine = await openEngine({ ...resolveConfig(), root: join(dir, 'state') });
    const rootfs = join(dir, 'rootfs.tar');
    await writeRootfsTar(rootfs);
    const size = (await stat(rootfs)).size;

    let imported!: Awaited<ReturnType<typeof importRootfs>>;
    const importSeconds = await timed(async () => {
      imported = await importRootfs(engine.images, createReadStream(rootfs, { highWaterMark: 1 << 20 }), { sourceName: rootfs, ref: parseReference('bench:500mb') });
    });

    const archive = join(dir, 'saved.tar');
    const saveSeconds = await timed(() => writeImageArchive(engine.content, [{ manifestDigest: imported.manifestDigest, refs: [parseReference('bench:500mb')] }], createWriteStream(archive)));

    // skopeo moving the same image between the same formats: OCI layout → docker-archive (save) and back (load).
    const layout = join(dir, 'layout');
    await exportOciLayout(engine.images, { manifestDigest: imported.manifestDigest, refs: [parseReference('bench:500mb')] }, layout);
    const skopeoArchive = join(dir, 'skopeo.tar');
    const skopeoSaveSeconds = await timed(() => execFileSync('skopeo', ['copy', '-q', `oci:${layout}:500mb`, `docker-archive:${skopeoArchive}:bench:500mb`]));
    const skopeoLoadSeconds = await timed(() => execFileSync('skopeo', ['copy', '-q', `docker-archive:${skopeoArchive}`, `oci:${join(dir, 'layout2')}:x`]));

    await deleteImage(engine.images, await engine.images.resolve('bench:500mb'), new Set());
    const loadSeconds = await timed(() => loadImageArchive(engine.images, createReadStream(archive, { highWaterMark: 1 << 20 })));

    return [
      { suite: 'store', case: 'import 500 MB rootfs tar', unit: 'MB/s', tsbuild: mbPerSecond(size, importSeconds), note: 'hash + fsync + tar check' },
      { suite: 'store', case: 'save 500 MB image', unit: 'MB/s', tsbuild: mbPerSecond(size, saveSeconds), peer: { name: 'skopeo copy oci: → docker-archive:', value: mbPerSecond(size, skopeoSaveSeconds) } },
      { suite: 'store', case: 'load 500 MB archive', unit: 'MB/s', tsbuild: mbPerSecond(size, loadSeconds), peer: { name: 'skopeo copy docker-archive: → oci:', value: mbPerSecond(size, skopeoLoadSeconds) } },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Entry point for bench/run.ts. */
export const run = (): Promise<BenchRow[]> => runStoreBench();
