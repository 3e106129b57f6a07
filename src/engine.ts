// The composition root: opens the state root and picks the concrete stores. Later the snapshotter,
// executor and solver are added here too; nothing else constructs them.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContentStore, cacheDirTag } from '../cache/index.js';
import { statePaths, type EngineConfig, type StatePaths } from './config.js';
import { hostAddon } from './host/addon.js';
import { ImageStore } from './image/store.js';
import { ContainerStore } from './runtime/store.js';

export interface Engine {
  config: EngineConfig;
  paths: StatePaths;
  content: ContentStore;
  images: ImageStore;
  containers: ContainerStore;
  /** Containers using an image (by image ID); they keep it from being removed without --force. */
  imageUsers(imageId: string): Promise<string[]>;
}

/** Sync, as the stores' own set-up: every command starts here, and each call is one cheap syscall. */
function prepareStateRoot(paths: StatePaths): void {
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  const tag = join(paths.root, 'CACHEDIR.TAG');
  if (!existsSync(tag)) writeFileSync(tag, cacheDirTag);
  mkdirSync(paths.tmp, { recursive: true });
}

export async function openEngine(config: EngineConfig): Promise<Engine> {
  const paths = statePaths(config.root);
  // xxhash's wasm is set up by its first user (context hashing), so commands that hash nothing skip it.
  prepareStateRoot(paths);
  // The addon loads with the first large blob written, not with every command.
  const content = await ContentStore.open(paths.content, { alignedBuffer: (bytes) => hostAddon().alignedBuffer(bytes) });
  const images = await ImageStore.open(paths.images, content);
  const containers = await ContainerStore.open(paths.containers);
  return {
    config,
    paths,
    content,
    images,
    containers,
    imageUsers: async (imageId) => (await containers.list()).filter((c) => c.config.imageId === imageId).map((c) => c.config.id),
  };
}
