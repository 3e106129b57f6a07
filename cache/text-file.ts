// A small file's text, or '' when it cannot be read: for stamps and host files whose absence just means
// "nothing there". Sync: each is read once, on a start-up path, where a thread-pool round trip costs more.
import { readFileSync } from 'node:fs';

export function readTextIfAny(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
