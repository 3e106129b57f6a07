// Fifos and device nodes a copy carries over (BuildKit's copier mknods them from the source's stat);
// Node has no mknod, so coreutils' mknod/mkfifo make them. Sockets are not among them: they stay stubs.
import { execFileSync } from 'node:child_process';
import type { Stats } from 'node:fs';
import type { ContextStat } from '../context/context-stat.js';

/** True for the entry types `makeSpecialFile` recreates. */
export function isSpecialFile(info: Stats | ContextStat): boolean {
  return info.isFIFO() || info.isCharacterDevice() || info.isBlockDevice();
}

/** glibc's dev_t split (major 12+32 bits, minor 8+24 bits), as stat's rdev carries it. */
function deviceNumbers(rdev: bigint): [bigint, bigint] {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return [major, minor];
}

/** Makes at `path` a fifo or device node like `info` (mode 0600; the caller sets owner and mode). */
export function makeSpecialFile(path: string, info: Stats | ContextStat): void {
  if (info.isFIFO()) {
    execFileSync('mkfifo', ['-m', '0600', path]);
    return;
  }
  const [major, minor] = deviceNumbers(BigInt(info.rdev));
  execFileSync('mknod', ['-m', '0600', path, info.isCharacterDevice() ? 'c' : 'b', String(major), String(minor)]);
}
