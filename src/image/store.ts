// ImageStore: the local image records (manifest digest → image ID, when added) and the tags that point
// at them, in one JSON file replaced atomically under a cross-process lock. The blobs themselves live in
// the ContentStore. A tag that moves leaves the old image behind as a dangling `<none>:<none>` image.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContentStore, Sha256Digest } from '../../cache/index.js';
import { NotFoundError, UserError } from '../errors.js';
import { lockState } from '../snapshot/state-lock.js';
import type { ImageConfig, Manifest } from './oci.js';
import { formatReference, parseReference, repositoryName, type ImageReference } from './reference.js';

export interface ImageRecord {
  manifestDigest: Sha256Digest;
  /** Config digest: Docker's image ID. */
  id: Sha256Digest;
  /** When this image entered the store (ISO 8601). */
  added: string;
}

/** An image with the tags that point at it, as list/resolve return it. */
export interface StoredImage extends ImageRecord {
  /** Canonical references, e.g. "docker.io/library/busybox:latest", sorted. */
  tags: string[];
}

interface StateFile {
  version: 1;
  images: Record<string, ImageRecord>; // by manifest digest
  tags: Record<string, Sha256Digest>; // canonical reference → manifest digest
}

/** Per state directory: the tail of this process's queued updates. */
const updateQueues = new Map<string, Promise<unknown>>();

const emptyState = (): StateFile => ({ version: 1, images: {}, tags: {} });

/** Short image ID as `docker images` prints it: 12 hex digits. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export class ImageStore {
  private readonly statePath: string;

  private constructor(
    readonly dir: string,
    readonly content: ContentStore,
  ) {
    this.statePath = join(dir, 'images.json');
  }

  static async open(dir: string, content: ContentStore): Promise<ImageStore> {
    mkdirSync(dir, { recursive: true });
    return new ImageStore(dir, content);
  }

  private async readState(): Promise<StateFile> {
    try {
      // Sync: one small file on every image lookup, where a thread-pool round trip costs more than the read.
      return JSON.parse(readFileSync(this.statePath, 'utf8')) as StateFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw err;
    }
  }

  /**
   * Read-modify-write under a lock shared by every process using this state root. Updates from this
   * process queue up first, so they do not spin on the file lock against each other.
   */
  private update<T>(change: (state: StateFile) => T): Promise<T> {
    const previous = updateQueues.get(this.dir) ?? Promise.resolve();
    const next = previous.then(() => this.updateLocked(change));
    updateQueues.set(this.dir, next.catch(() => undefined));
    return next;
  }

  private async updateLocked<T>(change: (state: StateFile) => T): Promise<T> {
    const release = await lockState(this.dir, {
      lockfilePath: join(this.dir, 'images.lock'),
      retries: { retries: 200, minTimeout: 10, maxTimeout: 200 },
      stale: 10_000,
    });
    try {
      const state = await this.readState();
      const before = JSON.stringify(state, null, 1);
      const result = change(state);
      const after = JSON.stringify(state, null, 1);
      // A rebuild tagging the image its tags already name changes nothing: no write, no fsync.
      if (after !== before) {
        const temp = `${this.statePath}.${process.pid}-${randomBytes(4).toString('hex')}`;
        await writeFile(temp, after, { flush: true });
        await rename(temp, this.statePath);
      }
      return result;
    } finally {
      await release();
    }
  }

  private static view(state: StateFile, record: ImageRecord): StoredImage {
    const tags = Object.entries(state.tags)
      .filter(([, digest]) => digest === record.manifestDigest)
      .map(([ref]) => ref)
      .sort();
    return { ...record, tags };
  }

  async list(): Promise<StoredImage[]> {
    const state = await this.readState();
    return Object.values(state.images).map((r) => ImageStore.view(state, r));
  }

  /** Records an image (its blobs must already be in the content store) and points `tags` at it. */
  async add(record: Omit<ImageRecord, 'added'> & { added?: string }, tags: ImageReference[] = []): Promise<StoredImage> {
    // A tag must never point at missing content: the manifest, config and every layer are checked first.
    if (!(await this.content.has(record.manifestDigest))) throw new NotFoundError(`blob ${record.manifestDigest} is not in the content store`);
    const manifest = await this.content.readJson<Manifest>(record.manifestDigest);
    for (const digest of [record.id, ...manifest.layers.map((l) => l.digest)]) {
      if (!(await this.content.has(digest))) throw new NotFoundError(`blob ${digest} is not in the content store`);
    }
    return this.update((state) => {
      const existing = state.images[record.manifestDigest];
      const stored = existing ?? { manifestDigest: record.manifestDigest, id: record.id, added: record.added ?? new Date().toISOString() };
      state.images[record.manifestDigest] = stored;
      for (const ref of tags) state.tags[canonicalTag(ref)] = record.manifestDigest;
      return ImageStore.view(state, stored);
    });
  }

  /** Points `ref` at an existing image; the image it pointed at before stays (possibly dangling). */
  async tag(ref: ImageReference, manifestDigest: Sha256Digest): Promise<void> {
    await this.update((state) => {
      if (!state.images[manifestDigest]) throw new NotFoundError(`No such image: ${manifestDigest}`);
      state.tags[canonicalTag(ref)] = manifestDigest;
    });
  }

  /** Removes a tag; returns the image it pointed at, or undefined when there was no such tag. */
  async untag(ref: ImageReference): Promise<Sha256Digest | undefined> {
    return this.update((state) => {
      const key = canonicalTag(ref);
      const digest = state.tags[key];
      delete state.tags[key];
      return digest;
    });
  }

  /** Drops an image record and every tag pointing at it (blobs are the caller's to remove). */
  async remove(manifestDigest: Sha256Digest): Promise<string[]> {
    return this.update((state) => {
      const removedTags = Object.entries(state.tags)
        .filter(([, d]) => d === manifestDigest)
        .map(([ref]) => ref);
      for (const ref of removedTags) delete state.tags[ref];
      delete state.images[manifestDigest];
      return removedTags;
    });
  }

  /**
   * Finds an image the way Docker does: a name[:tag] or name@digest reference first, then a full
   * or short image ID ("sha256:" optional), then a manifest digest. Throws NotFoundError.
   */
  async resolve(text: string): Promise<StoredImage> {
    const found = await this.find(text);
    if (!found) throw new NotFoundError(`No such image: ${text}`);
    return found;
  }

  async find(text: string): Promise<StoredImage | undefined> {
    const state = await this.readState();
    const records = Object.values(state.images);
    let ref: ImageReference | undefined;
    try {
      ref = parseReference(text);
    } catch {
      ref = undefined;
    }
    if (ref) {
      if (ref.digest !== undefined) {
        const record = state.images[ref.digest];
        if (record && Object.entries(state.tags).some(([t, d]) => d === ref.digest && t.startsWith(`${repositoryName(ref)}:`))) {
          return ImageStore.view(state, record);
        }
      } else {
        const digest = state.tags[canonicalTag(ref)];
        const record = digest === undefined ? undefined : state.images[digest];
        if (record) return ImageStore.view(state, record);
      }
    }
    const hex = /^(?:sha256:)?([a-f0-9]{1,64})$/.exec(text)?.[1];
    if (hex === undefined) return undefined;
    const byId = records.filter((r) => r.id.slice('sha256:'.length).startsWith(hex));
    const ids = new Set(byId.map((r) => r.id));
    if (ids.size > 1) throw new UserError(`short ID ${text} is ambiguous: it matches ${ids.size} images`);
    // One ID may have several manifests (same config, e.g. loaded from a compressed archive): prefer a tagged one.
    const tagged = byId.map((r) => ImageStore.view(state, r)).sort((a, b) => b.tags.length - a.tags.length);
    if (tagged[0]) return tagged[0];
    const byManifest = text.startsWith('sha256:') ? state.images[text] : undefined;
    return byManifest ? ImageStore.view(state, byManifest) : undefined;
  }

  async manifest(image: ImageRecord): Promise<Manifest> {
    return this.content.readJson<Manifest>(image.manifestDigest);
  }

  async config(image: ImageRecord): Promise<ImageConfig> {
    return this.content.readJson<ImageConfig>(image.id);
  }
}

function canonicalTag(ref: ImageReference): string {
  if (ref.tag === undefined) throw new UserError(`a tag is needed: ${formatReference(ref)}`);
  return `${repositoryName(ref)}:${ref.tag}`;
}
