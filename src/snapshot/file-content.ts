// Byte-for-byte comparison of two files and a size/inode tally of a tree: the small file-level
// facts the snapshotters need for changes() and usage().
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Usage } from './snapshotter.js';

const chunkSize = 1 << 20;

export async function sameFileContent(a: string, b: string): Promise<boolean> {
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  try {
    const ba = Buffer.allocUnsafe(chunkSize);
    const bb = Buffer.allocUnsafe(chunkSize);
    for (;;) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, chunkSize), fb.read(bb, 0, chunkSize)]);
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (ra.bytesRead === 0) return true;
      if (!ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
    }
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

/** Bytes and inodes under `dir` (the dir itself excluded); hard links count once, as do inodes already in `seen` (which gets this tree's). */
export async function measureTree(dir: string, seen = new Set<number>()): Promise<Usage> {
  const usage: Usage = { size: 0, inodes: 0 };
  const walk = async (path: string): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      const stats = await lstat(full);
      if (!seen.has(stats.ino)) {
        seen.add(stats.ino);
        usage.inodes += 1;
        usage.size += stats.isFile() ? stats.size : 0;
      }
      if (entry.isDirectory()) await walk(full);
    }
  };
  await walk(dir);
  return usage;
}
