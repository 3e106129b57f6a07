// Cache keys: a recipe of named parts ("command [\"sh\",…]", "file src/app.js xxh64:…", "arg V=1") →
// a sha256 key over one canonical encoding, with the parts kept as the preimage so a miss can be
// explained part by part. The version constant is inside every key: bumping it retires all old records.
import { sha256Of } from './digest.js';

/** Bumped when the encoding or the meaning of parts changes in a way that must invalidate every record. */
export const cacheKeyVersion = 1;

/** One named part of a recipe: "<kind> <detail…>". Order is significant (e.g. COPY sources). */
export type KeyPart = string;

export interface CacheKey {
  /** 64 lower-case hex digits. */
  key: string;
  /** The parts the key was made from, in order. */
  preimage: KeyPart[];
}

/**
 * The key of `parts`: sha256 of a JSON array (one canonical text for any list of strings: JSON.stringify
 * escapes deterministically and the array keeps boundaries, so ["a b"] and ["a", "b"] differ).
 */
export function computeCacheKey(parts: readonly KeyPart[]): CacheKey {
  const encoding = JSON.stringify([`tsbuild-cache-key/v${cacheKeyVersion}`, ...parts]);
  return { key: sha256Of(encoding).slice('sha256:'.length), preimage: [...parts] };
}

/** Kinds whose parts name one item each (the second word), so "file a" and "file b" are different parts. */
const itemKinds = new Set(['file', 'source', 'mount', 'mount-from', 'exclude', 'heredoc', 'host']);
/**
 * An item as written into a part: JSON-quoted when it holds whitespace or starts with a quote, so a path
 * like `my file.txt` stays one item for partName (and a miss reads `file "my file.txt" changed`).
 */
export function keyItem(text: string): string {
  return /\s/.test(text) || text.startsWith('"') ? JSON.stringify(text) : text;
}

/** The leading item of `rest`: a JSON-quoted string (see keyItem) or the text up to the first space. */
function leadingItem(rest: string): string {
  const quoted = rest.startsWith('"') ? /^"(?:[^"\\]|\\.)*"/.exec(rest) : null;
  if (quoted) return quoted[0];
  const end = rest.indexOf(' ');
  return end < 0 ? rest : rest.slice(0, end);
}

/** Kinds whose item is "NAME=value": the name identifies the part, the value may change. */
const assignmentKinds = new Set(['arg', 'env']);

/**
 * What a part is about, so two preimages can be compared part by part: "file src/app.js", "arg VERSION",
 * "command". Parts with the same name and different text are one changed part.
 */
export function partName(part: KeyPart): string {
  const space = part.indexOf(' ');
  const kind = space < 0 ? part : part.slice(0, space);
  if (space < 0) return kind;
  const rest = part.slice(space + 1);
  if (assignmentKinds.has(kind)) {
    const eq = rest.indexOf('=');
    return `${kind} ${eq < 0 ? rest : rest.slice(0, eq)}`;
  }
  if (itemKinds.has(kind)) return `${kind} ${leadingItem(rest)}`;
  return kind;
}

export interface PartChange {
  name: string;
  change: 'added' | 'changed' | 'removed';
}

/** Which named parts were added or changed (in `current`'s order), then which were removed, from `previous` to `current`. */
export function comparePreimages(previous: readonly KeyPart[], current: readonly KeyPart[]): PartChange[] {
  const before = groupByName(previous);
  const after = groupByName(current);
  const changes: PartChange[] = [];
  for (const [name, parts] of after) {
    const old = before.get(name);
    if (old === undefined) changes.push({ name, change: 'added' });
    else if (old.join('\n') !== parts.join('\n')) changes.push({ name, change: 'changed' });
  }
  for (const name of before.keys()) if (!after.has(name)) changes.push({ name, change: 'removed' });
  return changes;
}

/** Parts by name; a name may repeat (two mounts on one target), so each keeps its list in order. */
function groupByName(parts: readonly KeyPart[]): Map<string, KeyPart[]> {
  const groups = new Map<string, KeyPart[]>();
  for (const part of parts) {
    const name = partName(part);
    const list = groups.get(name);
    if (list) list.push(part);
    else groups.set(name, [part]);
  }
  return groups;
}
