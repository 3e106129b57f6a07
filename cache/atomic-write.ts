// Whole-file replacement that readers never see half done: write a temp file beside the target, then rename
// it over. Temp names end in `.tmp` and carry the pid, so a cleanup can tell a dead write's leftovers.
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';

/** Sync: its callers write one small file at a time, where a thread-pool round trip costs more than the write. */
export function writeFileAtomically(path: string, text: string): void {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}
