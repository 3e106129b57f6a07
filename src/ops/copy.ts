// COPY and ADD as a step: prepare a writable snapshot on the parent, copy from the build context, from
// another state (an earlier stage or an image, mounted read-only) or — ADD only — from downloaded URLs,
// then commit the changes as a layer. --chown names are looked up in the destination rootfs (BuildKit).
import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compileIgnore, type IgnoreMatcher } from '../../grammar/index.js';
import { parseChmod } from './chmod.js';
import { copyFiles, type CopyRequest } from './copy-files.js';
import { commitLayer, uniqueKey, withMounted, type FsDeps, type FsState } from './fs-state.js';
import { downloadUrl, isUrlSource } from './http-source.js';
import { resolveOwner } from './owner.js';

export type CopySource =
  /** The build context directory with its .dockerignore rules. */
  | { kind: 'context'; dir: string; ignore: IgnoreMatcher | undefined }
  /** An earlier stage's or an image's filesystem. */
  | { kind: 'state'; state: FsState };

export interface CopySpec {
  from: CopySource;
  /** Paths in `from` (wildcards allowed); for ADD also http(s) URLs. */
  sources: string[];
  /** Absolute, resolved against WORKDIR; a trailing `/` kept. */
  destination: string;
  chown: string | undefined;
  chmod: string | undefined;
  exclude: string[];
  parents: boolean;
  /** ADD: unpack local archives. */
  unpack: boolean;
  /** ADD --checksum for a URL source. */
  checksum: string | undefined;
}

export async function copyStep(deps: FsDeps, parent: FsState, spec: CopySpec, signal?: AbortSignal): Promise<FsState> {
  const mode = spec.chmod === undefined ? undefined : parseChmod(spec.chmod);
  const urls = spec.sources.filter(isUrlSource);
  const paths = spec.sources.filter((s) => !isUrlSource(s));
  const key = uniqueKey('copy');
  const mounts = await deps.snapshotter.prepare(key, parent.snapshot);
  try {
    await withMounted(deps, mounts, async (rootDir) => {
      const request: CopyRequest = {
        sources: paths,
        destination: spec.destination,
        owner: spec.chown === undefined ? undefined : await resolveOwner(spec.chown, rootDir),
        sourceOwner: spec.from.kind === 'context' ? 'root' : 'keep',
        mode,
        exclude: spec.exclude.length > 0 ? compileIgnore(spec.exclude) : undefined,
        sourceIgnore: spec.from.kind === 'context' ? spec.from.ignore : undefined,
        parents: spec.parents,
        createdTime: new Date(deps.sourceDateEpoch * 1000),
        unpack: spec.unpack,
        tmpDir: deps.tmpDir,
      };
      if (paths.length > 0) await withSourceRoot(deps, spec.from, (sourceRoot) => copyFiles(sourceRoot, rootDir, request));
      for (const url of urls) {
        const download = await downloadUrl(url, deps.tmpDir, spec.checksum, signal);
        try {
          // Remote files are never unpacked (BuildKit: only local archives are).
          await copyFiles(download.dir, rootDir, { ...request, sources: [download.name], sourceOwner: 'root', sourceIgnore: undefined, unpack: false });
        } finally {
          await download.remove();
        }
      }
    });
  } catch (err) {
    await deps.snapshotter.remove(key).catch(() => undefined);
    throw err;
  }
  return commitLayer(deps, key, parent);
}

/** The directory to copy from: the context itself, or a read-only view of a state (empty for scratch). */
async function withSourceRoot(deps: FsDeps, source: CopySource, use: (dir: string) => Promise<void>): Promise<void> {
  if (source.kind === 'context') return use(source.dir);
  if (source.state.snapshot === undefined) {
    const empty = join(deps.tmpDir, uniqueKey('scratch'));
    await mkdir(empty, { recursive: true });
    try {
      return await use(empty);
    } finally {
      await rmdir(empty).catch(() => undefined);
    }
  }
  const key = uniqueKey('copy-from');
  const mounts = await deps.snapshotter.view(key, source.state.snapshot);
  try {
    await withMounted(deps, mounts, use);
  } finally {
    await deps.snapshotter.remove(key).catch(() => undefined);
  }
}
