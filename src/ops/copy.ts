// COPY and ADD as a step: prepare a writable snapshot on the parent, copy from the build context, from
// another state (an earlier stage or an image, mounted read-only) or — ADD only — from downloaded URLs,
// then commit the changes as a layer. --chown names are looked up in the destination rootfs (BuildKit).
// --link copies onto an empty snapshot instead, so the layer does not depend on what is below it.
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileIgnore, type IgnoreMatcher } from '../../grammar/index.js';
import type { ContextStat } from '../context/context-stat.js';
import { applyLayer } from '../snapshot/apply.js';
import { parseChmod } from './chmod.js';
import { makePendingLinks, storeCopiedFiles, type CopiedFiles, type PreviousCopy } from './copied-files.js';
import { copyFiles, type CopyOutcome, type CopyRequest } from './copy-files.js';
import { changeSnapshot, commitWithLayer, openStateView, uniqueKey, withMounted, writeLayer, type FsDeps, type FsState } from './fs-state.js';
import { fetchRemoteSource, isRemoteSource } from './remote-source.js';
import { resolveOwner, type Owner } from './owner.js';

export type CopySource =
  /** The build context directory with its .dockerignore rules. */
  | { kind: 'context'; dir: string; ignore: IgnoreMatcher | undefined }
  /** An earlier stage's or an image's filesystem. */
  | { kind: 'state'; state: FsState };

export interface CopySpec {
  from: CopySource;
  /** Paths in `from` (wildcards allowed); for ADD also http(s) URLs and git repositories. */
  sources: string[];
  /** `COPY <<EOF dest`: files named after the delimiter holding the (already expanded) body. */
  heredocs: { name: string; content: string }[];
  /** Absolute, resolved against WORKDIR; a trailing `/` kept. */
  destination: string;
  chown: string | undefined;
  chmod: string | undefined;
  exclude: string[];
  parents: boolean;
  /** --link: the layer is made on an empty filesystem (BuildKit ignores it together with --chmod). */
  link: boolean;
  /** ADD: unpack local archives. */
  unpack: boolean;
  /** ADD --unpack=true: unpack downloaded archives too (by default BuildKit stores them as they are). */
  unpackRemote: boolean;
  /** ADD --checksum for a URL (digest) or git (commit) source. */
  checksum: string | undefined;
  /** ADD --keep-git-dir. */
  keepGitDir: boolean;
}

/** What a copy from the context needs to reuse the files of its previous run (see copied-files.ts). */
export interface CopyReuse {
  knownDigest(hostPath: string, info: ContextStat): string | undefined;
  previous: PreviousCopy | undefined;
  /** What the step's checksum walk saw of the context (BuildInputs.seenContextStats). */
  seenStats?: ReadonlyMap<string, ContextStat> | undefined;
}

export async function copyStep(deps: FsDeps, parent: FsState, spec: CopySpec, signal?: AbortSignal, reuse?: CopyReuse): Promise<FsState> {
  if (spec.link && spec.chmod === undefined) return linkedCopyStep(deps, parent, spec, signal, reuse);
  let copied: CopiedFiles = new Map();
  const state = await changeSnapshot(deps, parent, 'copy', async (mounts, key) => {
    const outcome = await withMounted(deps, mounts, async (rootDir) => {
      const owner = spec.chown === undefined ? undefined : await resolveOwner(spec.chown, rootDir);
      return copyAll(deps, spec, owner, rootDir, signal, reuse);
    });
    copied = await finishCopy(deps, key, outcome, reuse?.previous);
  });
  return withCopiedFiles(deps, state, copied);
}

/** COPY --link: copy onto nothing, keep that as the layer, then lay it over the parent. */
async function linkedCopyStep(deps: FsDeps, parent: FsState, spec: CopySpec, signal: AbortSignal | undefined, reuse: CopyReuse | undefined): Promise<FsState> {
  // Owner names still come from the parent's /etc/passwd, where they will be used.
  const owner = spec.chown === undefined ? undefined : await withStateRoot(deps, parent, (root) => resolveOwner(spec.chown as string, root));
  const linkKey = uniqueKey('copy-link');
  const linkMounts = await deps.snapshotter.prepare(linkKey);
  let layer;
  let copied: CopiedFiles;
  try {
    copied = await finishCopy(deps, linkKey, await withMounted(deps, linkMounts, (rootDir) => copyAll(deps, spec, owner, rootDir, signal, reuse)), reuse?.previous);
    layer = await writeLayer(deps, linkKey);
  } finally {
    await deps.snapshotter.remove(linkKey).catch(() => undefined);
  }
  const key = uniqueKey('copy-merge');
  const mounts = await deps.snapshotter.prepare(key, parent.snapshot);
  try {
    await withMounted(deps, mounts, (rootDir) => applyLayer(rootDir, deps.content.read(layer.diffId)));
  } catch (err) {
    await deps.snapshotter.remove(key).catch(() => undefined);
    throw err;
  }
  return withCopiedFiles(deps, await commitWithLayer(deps, key, parent, layer), copied);
}

/** Links the files the copy left for after the unmount (from `previous`) into active snapshot `key`; returns what it copied. */
async function finishCopy(deps: FsDeps, key: string, outcome: CopyOutcome, previous: PreviousCopy | undefined): Promise<CopiedFiles> {
  if (outcome.pendingLinks.length > 0) {
    if (previous === undefined) throw new Error('a copy left files to link without a previous result to link them from');
    const dir = await deps.snapshotter.ownFiles(key);
    if (dir === undefined) throw new Error(`snapshot ${key} vanished while a copy was writing it`);
    await makePendingLinks(dir, previous.dir, outcome.pendingLinks);
  }
  return outcome.copied;
}

async function withCopiedFiles(deps: FsDeps, state: FsState, copied: CopiedFiles): Promise<FsState> {
  const copiedFiles = await storeCopiedFiles(deps.content, copied);
  return copiedFiles === undefined ? state : { ...state, copiedFiles };
}

/**
 * Copies every source. Only a copy of context paths alone reuses and records files: heredocs and remote sources
 * are written by copiers of their own, which would not see (or replace) what the first one noted.
 */
async function copyAll(deps: FsDeps, spec: CopySpec, owner: Owner | undefined, rootDir: string, signal: AbortSignal | undefined, reuse: CopyReuse | undefined): Promise<CopyOutcome> {
  const paths = spec.sources.filter((s) => !isRemoteSource(s));
  const remotes = spec.sources.filter(isRemoteSource);
  const reusing = spec.heredocs.length === 0 && remotes.length === 0 ? reuse : undefined;
  const request: CopyRequest = {
    sources: paths,
    destination: spec.destination,
    owner,
    sourceOwner: spec.from.kind === 'context' ? 'root' : 'keep',
    mode: spec.chmod === undefined ? undefined : parseChmod(spec.chmod),
    exclude: spec.exclude.length > 0 ? compileIgnore(spec.exclude) : undefined,
    sourceIgnore: spec.from.kind === 'context' ? spec.from.ignore : undefined,
    parents: spec.parents,
    createdTime: new Date(deps.sourceDateEpoch * 1000),
    unpack: spec.unpack,
    tmpDir: deps.tmpDir,
  };
  let outcome: CopyOutcome = { copied: new Map(), pendingLinks: [] };
  if (paths.length > 0) {
    const from = spec.from;
    outcome = await (from.kind === 'context'
      ? copyFiles(from.dir, rootDir, { ...request, knownDigest: reusing?.knownDigest, previous: reusing?.previous, seenStats: reusing?.seenStats })
      : withStateRoot(deps, from.state, (sourceRoot) => copyFiles(sourceRoot, rootDir, request)));
  }
  if (spec.heredocs.length > 0) await copyHeredocs(deps, spec, request, rootDir);
  for (const url of remotes) {
    const download = await fetchRemoteSource(url, deps.tmpDir, { checksum: spec.checksum, keepGitDir: spec.keepGitDir, signal, extraCaFile: deps.extraCaFile });
    try {
      await copyFiles(download.dir, rootDir, { ...request, sources: [download.name], sourceOwner: 'root', sourceIgnore: undefined, unpack: spec.unpackRemote });
    } finally {
      await download.remove();
    }
  }
  return outcome;
}

/** Heredoc bodies become 0644 files (BuildKit's Mkfile) dated at the epoch, then copy like context files. */
async function copyHeredocs(deps: FsDeps, spec: CopySpec, request: CopyRequest, rootDir: string): Promise<void> {
  const dir = join(deps.tmpDir, uniqueKey('heredoc'));
  await mkdir(dir, { recursive: true });
  try {
    const time = new Date(deps.sourceDateEpoch * 1000);
    for (const heredoc of spec.heredocs) {
      await writeFile(join(dir, heredoc.name), heredoc.content, { mode: 0o644 });
      await utimes(join(dir, heredoc.name), time, time);
    }
    await copyFiles(dir, rootDir, { ...request, sources: spec.heredocs.map((h) => h.name), sourceOwner: 'root', sourceIgnore: undefined, unpack: false });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `use` on a read-only view of `state`. */
async function withStateRoot<T>(deps: FsDeps, state: FsState, use: (dir: string) => Promise<T>): Promise<T> {
  const view = await openStateView(deps, state);
  try {
    return await use(view.dir);
  } finally {
    await view.close();
  }
}
