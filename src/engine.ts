// The composition root: opens the state root and picks the concrete stores. Later the snapshotter,
// executor and solver are added here too; nothing else constructs them.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContentStore, cacheDirTag, initDigests } from '../cache/index.js';
import { statePaths, type EngineConfig, type StatePaths } from './config.js';
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

async function prepareStateRoot(paths: StatePaths): Promise<void> {
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  const tag = join(paths.root, 'CACHEDIR.TAG');
  if (!existsSync(tag)) await writeFile(tag, cacheDirTag);
  await mkdir(paths.tmp, { recursive: true });
}

export async function openEngine(config: EngineConfig): Promise<Engine> {
  const paths = statePaths(config.root);
  await prepareStateRoot(paths);
  await initDigests();
  const content = await ContentStore.open(paths.content);
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
