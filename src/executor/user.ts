// Resolves Docker's `--user` forms (name, uid, name:group, uid:gid) against the rootfs' /etc/passwd
// and /etc/group, with Docker's rules: an unknown name is an error, an unknown number is fine, and
// without an explicit group the user's supplementary groups come from the group file's member lists,
// and the primary group is always among them (Docker since 20.10.24 and BuildKit both list it first).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';

export interface ExecUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const numeric = /^\d+$/;

/**
 * `id` then shows e.g. groups=0(root),10(wheel) for root and groups=50(staff) for app:staff; --group-add's
 * groups (`groupAdd`) follow.
 */
export async function resolveUser(rootfs: string, spec: string, groupAdd: string[] = []): Promise<ExecUser> {
  const [userPart = '', groupPart] = spec.split(':', 2) as [string, string | undefined];
  const wantedUser = userPart === '' ? '0' : userPart;
  const passwd = parsePasswd(await readOptional(join(rootfs, 'etc', 'passwd')));
  const entry = passwd.find((candidate) => candidate.name === wantedUser) ?? (numeric.test(wantedUser) ? passwd.find((candidate) => candidate.uid === Number(wantedUser)) : undefined);
  if (!entry && !numeric.test(wantedUser)) throw new UserError(`unable to find user ${wantedUser}: no matching entries in passwd file`);
  const user: ExecUser = entry
    ? { uid: entry.uid, gid: entry.gid, additionalGids: [], home: entry.home }
    : { uid: Number(wantedUser), gid: 0, additionalGids: [], home: '/' };

  const groups = groupPart !== undefined || entry || groupAdd.length > 0 ? parseGroup(await readOptional(join(rootfs, 'etc', 'group'))) : [];
  if (groupPart !== undefined && groupPart !== '') {
    const group = groups.find((candidate) => candidate.name === groupPart) ?? (numeric.test(groupPart) ? { gid: Number(groupPart) } : undefined);
    if (!group) throw new UserError(`unable to find group ${groupPart}: no matching entries in group file`);
    user.gid = group.gid;
  } else if (entry) {
    user.additionalGids = groups.filter((group) => group.members.includes(entry.name) && group.gid !== user.gid).map((group) => group.gid);
  }
  user.additionalGids.unshift(user.gid);
  for (const added of groupAdd) {
    const gid = numeric.test(added) ? Number(added) : groups.find((candidate) => candidate.name === added)?.gid;
    // Docker's daemon words for it.
    if (gid === undefined) throw new UserError(`Unable to find group ${added}: no matching entries in group file`);
    if (!user.additionalGids.includes(gid)) user.additionalGids.push(gid);
  }
  return user;
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

function fields(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}

function parsePasswd(text: string): PasswdEntry[] {
  return fields(text)
    .filter((f) => f.length >= 4 && numeric.test(f[2] ?? '') && numeric.test(f[3] ?? ''))
    .map((f) => ({ name: f[0] as string, uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/' }));
}

function parseGroup(text: string): GroupEntry[] {
  return fields(text)
    .filter((f) => f.length >= 3 && numeric.test(f[2] ?? ''))
    .map((f) => ({ name: f[0] as string, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}
