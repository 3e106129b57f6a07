// The composition root: opens the state root and picks the concrete stores. Later the snapshotter,
// executor and solver are added here too; nothing else constructs them.
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve as resolvePath } from 'node:path';
import { finished } from 'node:stream/promises';
import { ContentStore, cacheDirTag, initDigests } from '../cache/index.js';
import { compileIgnore, dockerignorePathFor, parseDockerignore, type IgnoreMatcher } from '../grammar/index.js';
import { UserError } from './errors.js';
import { statePaths, type EngineConfig, type StatePaths } from './config.js';
import { exportImageTar, exportLocalDirectory, exportOciLayout, exportRootfsTar } from './image/export.js';
import type { ImageReference } from './image/reference.js';
import { ImageStore, type StoredImage } from './image/store.js';

export interface Engine {
  config: EngineConfig;
  paths: StatePaths;
  content: ContentStore;
  images: ImageStore;
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
  return {
    config,
    paths,
    content,
    images,
    // Containers land with the runtime (src/runtime/store.ts); until then no image has users.
    imageUsers: async () => [],
  };
}

// ---- build (owned by the build helper): what `tsbuild build` composes ----

/** The Dockerfile, the context directory and its ignore rules, as a build starts with them. */
export interface BuildInput {
  dockerfile: { text: string; name: string };
  /** Undefined when the context is `-` (a Dockerfile on stdin and no files to copy). */
  contextDir: string | undefined;
  ignore: IgnoreMatcher | undefined;
}

export interface BuildInputOptions {
  /** Context directory, or `-`. */
  context: string;
  /** -f: a path (relative to the current directory), `-`, or undefined for CONTEXT/Dockerfile. */
  file: string | undefined;
  /** Reads standard input, for `-` as context or file. */
  readStdin: () => Promise<string>;
}

async function readTextIfFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw err;
  }
}

/**
 * Docker's rules: the Dockerfile is CONTEXT/Dockerfile (or a lone lower-case `dockerfile`) unless -f
 * names one; `<Dockerfile>.dockerignore` next to it replaces CONTEXT/.dockerignore when it exists.
 */
export async function readBuildInput(options: BuildInputOptions): Promise<BuildInput> {
  if (options.context === '-') {
    return { dockerfile: { text: await options.readStdin(), name: 'Dockerfile' }, contextDir: undefined, ignore: undefined };
  }
  const contextDir = resolvePath(options.context);
  if (!(await stat(contextDir).then((s) => s.isDirectory(), () => false))) {
    throw new UserError(`unable to prepare context: path "${options.context}" not found`);
  }
  let dockerfile: BuildInput['dockerfile'] | undefined;
  let dockerfilePath: string | undefined;
  if (options.file === '-') {
    dockerfile = { text: await options.readStdin(), name: 'Dockerfile' };
  } else {
    const candidates = options.file !== undefined ? [resolvePath(options.file)] : [join(contextDir, 'Dockerfile'), join(contextDir, 'dockerfile')];
    for (const candidate of candidates) {
      const text = await readTextIfFile(candidate);
      if (text !== undefined) {
        dockerfilePath = candidate;
        dockerfile = { text, name: basename(candidate) };
        break;
      }
    }
    if (dockerfile === undefined) {
      throw new UserError(`failed to read dockerfile: open ${options.file ?? 'Dockerfile'}: no such file or directory`);
    }
  }
  const ignoreText =
    (dockerfilePath === undefined ? undefined : await readTextIfFile(dockerignorePathFor(dockerfilePath))) ??
    (await readTextIfFile(join(contextDir, '.dockerignore')));
  const ignore = ignoreText === undefined ? undefined : compileIgnoreFile(ignoreText);
  return { dockerfile, contextDir, ignore };
}

function compileIgnoreFile(text: string): IgnoreMatcher {
  try {
    return compileIgnore(parseDockerignore(text));
  } catch (err) {
    throw new UserError(`failed to parse .dockerignore: ${(err as Error).message}`, { cause: err });
  }
}

/** One `-o` of a build: where the image goes besides the image store. */
export interface BuildOutput {
  type: 'image' | 'oci' | 'docker' | 'tar' | 'local';
  /** A path; `-` means standard output (tar kinds only). */
  dest: string | undefined;
  attrs: Record<string, string>;
}

/**
 * Writes the built image to each `-o`: `oci`/`docker` as one tar that both OCI and docker-archive
 * readers take (`oci,tar=false` as an OCI layout directory), `tar` as the flattened rootfs, `local`
 * as a directory. `image` needs nothing more: the image store already holds it.
 */
export async function exportBuiltImage(engine: Engine, image: StoredImage, tags: ImageReference[], outputs: BuildOutput[], stdout: NodeJS.WritableStream): Promise<void> {
  const archive = { manifestDigest: image.manifestDigest, refs: tags };
  for (const output of outputs) {
    if (output.type === 'image') continue;
    const dest = output.dest as string;
    if (output.type === 'local') {
      if (dest === '-') throw new UserError('-o type=local needs a directory, not -');
      await mkdir(dest, { recursive: true });
      await exportLocalDirectory(engine.images, image, dest);
      continue;
    }
    if (output.type === 'oci' && output.attrs['tar'] === 'false') {
      await exportOciLayout(engine.images, archive, dest);
      continue;
    }
    const out = dest === '-' ? stdout : createWriteStream(dest);
    const done = dest === '-' ? Promise.resolve() : finished(out);
    if (output.type === 'tar') await exportRootfsTar(engine.images, image, out, engine.paths.tmp, engine.config.sourceDateEpoch);
    else await exportImageTar(engine.images, archive, out);
    await done;
  }
}
