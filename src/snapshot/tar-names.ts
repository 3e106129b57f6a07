// Tar entry names and PAX xattr records as layers use them: whiteout markers, clean relative names,
// xattrs ↔ SCHILY.xattr.* records. No tar-stream here, so planning code can use them without loading it.

export const xattrPrefix = 'SCHILY.xattr.';

/** Extended attributes carried by an entry's PAX header, as raw bytes. */
export function xattrsOf(pax: Record<string, string> | undefined | null): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(pax ?? {})) {
    if (key.startsWith(xattrPrefix)) out.set(key.slice(xattrPrefix.length), Buffer.from(value, 'latin1'));
  }
  return out;
}

/** PAX records for extended attributes (sorted by name so equal trees give equal bytes). */
export function xattrPax(xattrs: Map<string, Buffer>): Record<string, string> | undefined {
  if (xattrs.size === 0) return undefined;
  const pax: Record<string, string> = {};
  for (const name of [...xattrs.keys()].sort()) pax[`${xattrPrefix}${name}`] = (xattrs.get(name) as Buffer).toString('latin1');
  return pax;
}

export const whiteoutPrefix = '.wh.';
export const opaqueWhiteout = '.wh..wh..opq';

/**
 * Turns a tar entry name into a clean relative POSIX path ("" for the root itself), or throws with
 * the entry named when it is absolute or climbs out ("../x", "a/../../x").
 */
export function cleanEntryName(name: string): string {
  if (name.startsWith('/')) throw new Error(`tar entry "${name}" has an absolute name`);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new Error(`tar entry "${name}" escapes the target directory`);
    parts.push(part);
  }
  return parts.join('/');
}

/**
 * cleanEntryName for an archive ADD unpacks: moby's Untar (run chrooted in the destination) takes an
 * absolute name, or hard-link target, as relative to the destination instead of refusing it.
 */
export function cleanArchiveEntryName(name: string): string {
  return cleanEntryName(name.replace(/^\/+/, ''));
}
