// The key parts of what a COPY --from reads from a stage or an image: the content of the paths it selects
// (type, mode, owner, size, link target, bytes), as BuildKit keys it, so a stage that runs again but gives
// the same files does not invalidate the steps that copy from it. A snapshot never changes, so the parts
// are computed once per snapshot and selection and kept as <dir>/<snapshot>.<selection>.json; builder
// prune drops those whose snapshot is gone (forgetStateChecksums).
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ContentHashIndex, sha256Of, writeFileAtomically } from '../../cache/index.js';
import { compileIgnore } from '../../grammar/index.js';
import { checksumSources } from './copy-files.js';
import { openStateView, type FsDeps, type FsState } from './fs-state.js';

/** What a copy takes from the state, as its key needs it. */
export interface StateSelection {
  sources: string[];
  exclude: string[];
  parents: boolean;
}

export async function stateSourceParts(deps: FsDeps, memoDir: string, state: FsState, selection: StateSelection): Promise<string[]> {
  const memo = state.snapshot === undefined ? undefined : join(memoDir, `${state.snapshot}.${sha256Of(JSON.stringify(selection)).slice('sha256:'.length, 'sha256:'.length + 32)}.json`);
  if (memo !== undefined) {
    const known = readMemo(memo);
    if (known !== undefined) return known;
  }
  const view = await openStateView(deps, state);
  let parts: string[];
  try {
    // Files in the view are read once each: an in-memory index, as view paths differ every time.
    const request = { sources: selection.sources, sourceIgnore: undefined, exclude: selection.exclude.length > 0 ? compileIgnore(selection.exclude) : undefined, parents: selection.parents };
    parts = await checksumSources(ContentHashIndex.inMemory(), view.dir, request, { owners: true });
  } finally {
    await view.close();
  }
  if (memo !== undefined) writeMemo(memo, parts);
  return parts;
}

/** Removes the kept parts of snapshots `exists` denies (they are never read again: snapshot names are content). */
export async function forgetStateChecksums(memoDir: string, exists: (snapshot: string) => Promise<boolean>): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(memoDir);
  } catch {
    return;
  }
  for (const name of names) {
    const snapshot = name.slice(0, name.indexOf('.'));
    if (!(await exists(snapshot))) rmSync(join(memoDir, name), { force: true });
  }
}

function readMemo(path: string): string[] | undefined {
  try {
    const parts = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return Array.isArray(parts) && parts.every((part) => typeof part === 'string') ? (parts as string[]) : undefined;
  } catch {
    return undefined; // absent or damaged: computed again
  }
}

function writeMemo(path: string, parts: string[]): void {
  try {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileAtomically(path, JSON.stringify(parts));
  } catch {
    // only a saving: a full disk must not fail the build
  }
}
