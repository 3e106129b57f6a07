// Builds small tar archives in memory for apply/diff/load tests, including hostile ones.
import { execFileSync } from 'node:child_process';
import { createTarPack, type TarHeader } from '../../src/snapshot/tar-format.js';

export type FixtureEntry = Partial<TarHeader> & { name: string; body?: string | Buffer };

export async function buildTar(entries: FixtureEntry[]): Promise<Buffer> {
  const pack = createTarPack();
  const chunks: Buffer[] = [];
  const collecting = (async () => {
    for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  })();
  for (const { body, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      const full = { mode: 0o644, mtime: new Date(1_600_000_000_000), ...header };
      if (body === undefined) pack.entry(full, done);
      else pack.entry({ ...full, type: full.type ?? 'file' }, body, done);
    });
  }
  pack.finalize();
  await collecting;
  return Buffer.concat(chunks);
}

/** A one-file tar whose header claims `size` bytes, followed by only `actual` bytes and no end marker. */
export async function truncatedTar(size: number, actual: number): Promise<Buffer> {
  const whole = await buildTar([{ name: 'big', body: Buffer.alloc(actual, 'x') }]);
  const header = Buffer.from(whole.subarray(0, 512));
  header.write(size.toString(8).padStart(11, '0'), 124, 'latin1');
  header.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return Buffer.concat([header, Buffer.alloc(actual, 'x')]);
}

/** One line per path: path, type, mode, uid:gid, size, content hash, link target — what two extractions must agree on. */
export function listing(root: string): string {
  const script = `cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %s %l\\n' | LC_ALL=C sort | while read -r p y rest; do
    if [ "$y" = f ]; then echo "$p $y $rest $(sha256sum < "$p" | cut -c1-16)"; else echo "$p $y $rest"; fi; done`;
  return execFileSync('sh', ['-c', script, 'sh', root], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.replace(/^(\S+ d \S+ \S+) \d+/, '$1 -')) // directory sizes depend on the filesystem
    .join('\n');
}

/** Entry names of a tar file, in archive order. */
export function tarNames(path: string): string[] {
  return execFileSync('tar', ['-tf', path], { encoding: 'utf8' }).trim().split('\n');
}
