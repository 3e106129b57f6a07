// Removes a directory tree with sync fs calls, handing the event loop back every few ms (see
// ../event-loop.ts): fs.rm's promise form makes a thread-pool round trip per entry, which costs more than
// the removal on the small trees most snapshots are (a `run --rm` container's upper dir).
import { lstatSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { TurnTaker } from '../event-loop.js';

/** Like `rm -rf path`: nothing there is not an error. */
export async function removeTree(path: string): Promise<void> {
  await removeEntry(path, new TurnTaker());
}

async function removeEntry(path: string, turns: TurnTaker): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = lstatSync(path).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!isDirectory) {
    unlinkSync(path);
    return;
  }
  for (const name of readdirSync(path)) {
    await turns.turn();
    await removeEntry(join(path, name), turns);
  }
  rmdirSync(path);
}
