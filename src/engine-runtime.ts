// Composition of the container runtime behind `tsbuild run/ps/rm`: the engine's stores, the sandbox
// (overlay-or-native snapshotter, runc executor), image unpacking from ops, and the two runc-specific
// hooks the runtime needs (signal a running sandbox, reclaim one whose runner died). Loaded lazily.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Engine } from './engine.js';
import { findLeftovers, removeLeftovers } from './executor/leftovers.js';
import { vethName } from './executor/network.js';
import { RuncExecutor } from './executor/runc.js';
import { snapshotNameOf } from './ops/chain-id.js';
import type { RuntimeDeps } from './runtime/container.js';
import { mountAll, unmount } from './snapshot/mount.js';
import { openSnapshotter } from './snapshot/open-snapshotter.js';

/** Static tini (Debian's tini-static), bind-mounted into containers started with --init. */
const initBinary = '/usr/bin/tini-static';

const execFileAsync = promisify(execFile);

export async function openRuntime(engine: Engine): Promise<RuntimeDeps> {
  const snapshotter = await openSnapshotter(engine.paths.snapshots);
  // Unpacking only applies layers; the epoch clamps mtimes of layers a build writes, which this never does.
  const fsDeps = { snapshotter, content: engine.content, mounter: { mount: mountAll, unmount }, tmpDir: engine.paths.tmp, sourceDateEpoch: 0 };
  return {
    images: engine.images,
    snapshotter,
    executor: new RuncExecutor({ root: engine.paths.root }),
    containers: engine.containers,
    initBinary,
    unpackImage: async (image) => {
      const config = await engine.images.config(image);
      // Nearly always unpacked already: the unpacker (tar and zlib code, ~10 ms to load) only when not.
      const top = snapshotNameOf(config.rootfs.diff_ids);
      if (top === undefined || (await snapshotter.stat(top))) return top;
      const [{ unpackImage }, manifest] = await Promise.all([import('./ops/source.js'), engine.images.manifest(image)]);
      return (await unpackImage(fsDeps, { manifest, config })).snapshot;
    },
    // RuncExecutor runs each sandbox as the runc container named by its ID, in the engine's runc root.
    signalSandbox: (id, signal) => execFileAsync('runc', ['--root', engine.paths.runtime, 'kill', id, signal.replace(/^SIG/, '')]).then(() => undefined),
    // Only what belongs to this sandbox: other leftovers (or a concurrent build's mounts) are not ours to touch.
    reclaimSandbox: async (id) => {
      const leftovers = await findLeftovers(engine.paths.root);
      await removeLeftovers(leftovers.filter((item) => item.name.includes(id) || item.name === vethName(id)));
    },
  };
}
