// COPY/ADD --chown: a `user[:group]` string (names or numbers) resolved against the destination
// rootfs' /etc/passwd and /etc/group, as BuildKit resolves it inside the target filesystem.
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { resolveInRoot } from './root-path.js';

export interface Owner {
  uid: number;
  gid: number;
}

interface DatabaseEntry {
  name: string;
  id: number;
  /** passwd only: the primary group. */
  gid: number | undefined;
}

async function readDatabase(root: string, file: 'passwd' | 'group'): Promise<DatabaseEntry[]> {
  let text: string;
  try {
    text = await readFile(await resolveInRoot(root, `/etc/${file}`), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
  const entries: DatabaseEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 3 || line.startsWith('#')) continue;
    const id = Number(fields[2]);
    if (!Number.isInteger(id)) continue;
    const gid = file === 'passwd' ? Number(fields[3]) : undefined;
    entries.push({ name: fields[0] as string, id, gid: gid !== undefined && Number.isInteger(gid) ? gid : undefined });
  }
  return entries;
}

const isNumeric = (text: string): boolean => /^\d+$/.test(text);

/** An id BuildKit takes without a lookup: a number, or `root` (0) even where no /etc/passwd exists. */
function literalId(text: string): number | undefined {
  if (text === 'root') return 0;
  return isNumeric(text) ? Number(text) : undefined;
}

/**
 * Resolves `user[:group]`. A user without group takes the user's primary group from /etc/passwd,
 * or the same number when given numerically (Docker: "a UID without GID uses the UID as the GID");
 * `:group` alone is root with that group, as BuildKit gives it. Unknown names are errors, where BuildKit
 * silently gives root.
 */
export async function resolveOwner(spec: string, root: string): Promise<Owner> {
  const [userPart = '', groupPart] = spec.split(':', 2);
  const literalUid = userPart === '' ? 0 : literalId(userPart);
  const user = literalUid === undefined ? await lookUpUser(root, userPart) : { uid: literalUid, gid: literalUid };
  if (groupPart === undefined || groupPart === '') return user;
  const gid = literalId(groupPart);
  if (gid !== undefined) return { uid: user.uid, gid };
  const group = (await readDatabase(root, 'group')).find((e) => e.name === groupPart);
  if (!group) throw new UserError(`unable to find group ${groupPart}: no matching entries in group file`);
  return { uid: user.uid, gid: group.id };
}

/** A named user's uid and primary group. */
async function lookUpUser(root: string, name: string): Promise<Owner> {
  const user = (await readDatabase(root, 'passwd')).find((e) => e.name === name);
  if (!user) throw new UserError(`unable to find user ${name}: no matching entries in passwd file`);
  return { uid: user.id, gid: user.gid ?? user.id };
}
