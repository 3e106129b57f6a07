// COPY and ADD as a step: prepare a writable snapshot on the parent, copy from the build context or
// from another state (an earlier stage or an image, mounted read-only), then commit the changes as a
// layer. --chown names are looked up in the destination rootfs, as BuildKit does.
import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compileIgnore, type IgnoreMatcher } from '../../grammar/index.js';
import { parseChmod } from './chmod.js';
import { copyFiles } from './copy-files.js';
import { commitLayer, uniqueKey, withMounted, type FsDeps, type FsState } from './fs-state.js';
import { resolveOwner } from './owner.js';

export type CopySource =
  /** The build context directory with its .dockerignore rules. */
  | { kind: 'context'; dir: string; ignore: IgnoreMatcher | undefined }
  /** An earlier stage's or an image's filesystem. */
  | { kind: 'state'; state: FsState };

export interface CopySpec {
  from: CopySource;
  sources: string[];
  /** Absolute, resolved against WORKDIR; a trailing `/` kept. */
  destination: string;
  chown: string | undefined;
  chmod: string | undefined;
  exclude: string[];
  parents: boolean;
}

export async function copyStep(deps: FsDeps, parent: FsState, spec: CopySpec): Promise<FsState> {
  const mode = spec.chmod === undefined ? undefined : parseChmod(spec.chmod);
  const key = uniqueKey('copy');
  const mounts = await deps.snapshotter.prepare(key, parent.snapshot);
  try {
    await withMounted(deps, mounts, async (rootDir) => {
      const owner = spec.chown === undefined ? undefined : await resolveOwner(spec.chown, rootDir);
      await withSourceRoot(deps, spec.from, (sourceRoot) =>
        copyFiles(sourceRoot, rootDir, {
          sources: spec.sources,
          destination: spec.destination,
          owner,
          sourceOwner: spec.from.kind === 'context' ? 'root' : 'keep',
          mode,
          exclude: spec.exclude.length > 0 ? compileIgnore(spec.exclude) : undefined,
          sourceIgnore: spec.from.kind === 'context' ? spec.from.ignore : undefined,
          parents: spec.parents,
          createdTime: new Date(deps.sourceDateEpoch * 1000),
        }),
      );
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
