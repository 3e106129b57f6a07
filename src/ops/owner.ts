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

/**
 * Resolves `user[:group]`. A user without group takes the user's primary group from /etc/passwd,
 * or the same number when given numerically (Docker: "a UID without GID uses the UID as the GID").
 */
export async function resolveOwner(spec: string, root: string): Promise<Owner> {
  const [userPart = '', groupPart] = spec.split(':', 2);
  let uid: number;
  let primaryGid: number;
  if (isNumeric(userPart)) {
    uid = Number(userPart);
    primaryGid = uid;
  } else {
    const user = (await readDatabase(root, 'passwd')).find((e) => e.name === userPart);
    if (!user) throw new UserError(`unable to find user ${userPart}: no matching entries in passwd file`);
    uid = user.id;
    primaryGid = user.gid ?? user.id;
  }
  if (groupPart === undefined || groupPart === '') return { uid, gid: primaryGid };
  if (isNumeric(groupPart)) return { uid, gid: Number(groupPart) };
  const group = (await readDatabase(root, 'group')).find((e) => e.name === groupPart);
  if (!group) throw new UserError(`unable to find group ${groupPart}: no matching entries in group file`);
  return { uid, gid: group.id };
}
