// COPY/ADD --chmod: octal (`0644`, `755`) and symbolic (`u=rw,g=r,o=`, `a+X`, `go-w`) modes, parsed
// once into a function that gives each copied entry its new permission bits, as chmod(1) would, and the
// mode of the directories the copy itself creates.
import { UserError } from '../errors.js';

/** New permission bits (07777 range) for an entry whose current mode is `mode`. */
export type ModeChange = (mode: number, isDirectory: boolean) => number;

export interface Chmod {
  /** For every copied entry. */
  apply: ModeChange;
  /**
   * For directories the copy creates (missing parents of the destination, a new destination directory):
   * BuildKit's copier makes them with the octal mode's permission bits only — Go's FileMode drops the
   * raw setuid/setgid/sticky bits — and with 0755 for a symbolic mode, which it applies to copied entries
   * alone (fsutil copy: MkdirAll gets `CopyInfo.Mode`, nil for a `ModeStr`).
   */
  createdDirectoryMode: number;
}

const permissionMask = 0o7777;
const defaultDirectoryMode = 0o755;

export function parseChmod(text: string): Chmod {
  if (/^[0-7]+$/.test(text)) {
    const value = Number.parseInt(text, 8);
    if (value > permissionMask) throw invalidChmod(text);
    return { apply: () => value, createdDirectoryMode: value & 0o777 };
  }
  const clauses = text.split(',').map((clause) => parseClause(clause, text));
  return {
    apply: (mode, isDirectory) => clauses.reduce((current, apply) => apply(current, isDirectory), mode & permissionMask),
    createdDirectoryMode: defaultDirectoryMode,
  };
}

// BuildKit's message (dockerfile2llb dispatchCopy) names octal only, though it accepts symbolic modes too.
function invalidChmod(text: string): UserError {
  return new UserError(`invalid chmod parameter: '${text}'. it should be octal string and between 0 and 07777`);
}

const whoBits: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007 };

/** One clause `who op perms [op perms]…`, e.g. `ug+rw-x`. */
function parseClause(clause: string, whole: string): ModeChange {
  const match = /^([ugoa]*)((?:[-+=][rwxXst]*|[-+=][ugo])+)$/.exec(clause);
  if (!match) throw invalidChmod(whole);
  const who = match[1] || 'a';
  const whoMask = [...who].reduce((mask, w) => mask | (w === 'a' ? 0o7777 : (whoBits[w] ?? 0)), 0);
  const actions = [...(match[2] ?? '').matchAll(/([-+=])([ugo]|[rwxXst]*)/g)].map((m) => ({ op: m[1] as string, perms: m[2] as string }));
  return (mode, isDirectory) => {
    let current = mode;
    for (const { op, perms } of actions) {
      const bits = permissionBits(perms, current, isDirectory) & whoMask;
      if (op === '+') current |= bits;
      else if (op === '-') current &= ~bits;
      else current = (current & ~(whoMask & 0o7777)) | bits;
    }
    return current & permissionMask;
  };
}

/** The bits a permission list stands for, for all three classes at once (masked by `who` later). */
function permissionBits(perms: string, mode: number, isDirectory: boolean): number {
  if (perms === 'u' || perms === 'g' || perms === 'o') {
    const shift = perms === 'u' ? 6 : perms === 'g' ? 3 : 0;
    const rwx = (mode >> shift) & 0o7;
    return rwx * 0o111;
  }
  let bits = 0;
  for (const p of perms) {
    if (p === 'r') bits |= 0o444;
    else if (p === 'w') bits |= 0o222;
    else if (p === 'x') bits |= 0o111;
    // X: execute only for directories or when some execute bit is already set.
    else if (p === 'X' && (isDirectory || (mode & 0o111) !== 0)) bits |= 0o111;
    else if (p === 's') bits |= 0o6000;
    else if (p === 't') bits |= 0o1000;
  }
  return bits;
}
