// ImageStore: the local image records (manifest digest → image ID, when added) and the tags that point
// at them, in a journaled JSON table changed under a cross-process lock. The blobs themselves live in
// the ContentStore. A tag that moves leaves the old image behind as a dangling `<none>:<none>` image.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContentStore, JournaledTable, Sha256Digest, TableEdit } from '../../cache/index.js';
import { NotFoundError } from '../errors.js';
import { lockState } from '../snapshot/state-lock.js';
import type { ImageConfig, Manifest } from './oci.js';
import { familiarReference, parseReference, type ImageReference } from './reference.js';
import { canonicalTag, findInState, storeStateTable, viewOf, type ImageRecord, type StateFile, type StoredImage } from './store-state.js';

export type { ImageRecord, StoredImage } from './store-state.js';

/** Per state directory: the tail of this process's queued updates. */
const updateQueues = new Map<string, Promise<unknown>>();

/** Short image ID as `docker images` prints it: 12 hex digits. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export class ImageStore {
  private readonly state: JournaledTable<StateFile>;

  private constructor(
    readonly dir: string,
    readonly content: ContentStore,
  ) {
    this.state = storeStateTable(dir, () => lockState(join(dir, 'images.lock'), { retries: 200, minTimeout: 10, maxTimeout: 200 }));
  }

  static async open(dir: string, content: ContentStore): Promise<ImageStore> {
    mkdirSync(dir, { recursive: true });
    return new ImageStore(dir, content);
  }

  private async readState(): Promise<StateFile> {
    return this.state.read();
  }

  /**
   * A change under the lock shared by every process using this state root. Changes from this process queue
   * up first, so they do not spin on the file lock against each other. One that changes nothing (a rebuild
   * tagging the image its tags already name) writes nothing.
   */
  private update<T>(change: (edit: TableEdit<StateFile>) => T): Promise<T> {
    const previous = updateQueues.get(this.dir) ?? Promise.resolve();
    const next = previous.then(() => this.state.update(change));
    updateQueues.set(this.dir, next.catch(() => undefined));
    return next;
  }

  async list(): Promise<StoredImage[]> {
    const state = await this.readState();
    return Object.values(state.images).map((r) => viewOf(state, r));
  }

  /** Records an image (its blobs must already be in the content store) and points `tags` at it. */
  async add(record: Omit<ImageRecord, 'added'> & { added?: string }, tags: ImageReference[] = []): Promise<StoredImage> {
    // A tag must never point at missing content: the manifest, config and every layer are checked first.
    if (!(await this.content.has(record.manifestDigest))) throw new NotFoundError(`blob ${record.manifestDigest} is not in the content store`);
    const manifest = await this.content.readJson<Manifest>(record.manifestDigest);
    for (const digest of [record.id, ...manifest.layers.map((l) => l.digest)]) {
      if (!(await this.content.has(digest))) throw new NotFoundError(`blob ${digest} is not in the content store`);
    }
    return this.update((edit) => {
      const existing = edit.table.images[record.manifestDigest];
      const stored = existing ?? { manifestDigest: record.manifestDigest, id: record.id, added: record.added ?? new Date().toISOString() };
      edit.set('images', record.manifestDigest, stored);
      for (const ref of tags) edit.set('tags', canonicalTag(ref), record.manifestDigest);
      return viewOf(edit.table, stored);
    });
  }

  /** Points `ref` at an existing image; the image it pointed at before stays (possibly dangling). */
  async tag(ref: ImageReference, manifestDigest: Sha256Digest): Promise<void> {
    await this.update((edit) => {
      if (!edit.table.images[manifestDigest]) throw new NotFoundError(`No such image: ${manifestDigest}`);
      edit.set('tags', canonicalTag(ref), manifestDigest);
    });
  }

  /** Removes a tag; returns the image it pointed at, or undefined when there was no such tag. */
  async untag(ref: ImageReference): Promise<Sha256Digest | undefined> {
    return this.update((edit) => {
      const key = canonicalTag(ref);
      const digest = edit.table.tags[key];
      edit.delete('tags', key);
      return digest;
    });
  }

  /**
   * Drops an image record and every tag pointing at it (blobs are the caller's to remove). The tags come back
   * sorted by canonical name: the order Docker's reference store gives `rmi -f`'s "Untagged:" lines.
   */
  async remove(manifestDigest: Sha256Digest): Promise<string[]> {
    return this.update((edit) => {
      const removedTags = Object.entries(edit.table.tags)
        .filter(([, d]) => d === manifestDigest)
        .map(([ref]) => ref)
        .sort();
      for (const ref of removedTags) edit.delete('tags', ref);
      edit.delete('images', manifestDigest);
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

  /**
   * resolve, but a miss names the reference with its default tag ("No such image: nosuch:latest"), as
   * Docker's daemon words it for `tag` and `history`.
   */
  async resolveWithDefaultTag(text: string): Promise<StoredImage> {
    const found = await this.find(text);
    if (found) return found;
    let shown = text;
    try {
      shown = familiarReference(parseReference(text));
    } catch {
      // Not a valid reference: Docker names it as given.
    }
    throw new NotFoundError(`No such image: ${shown}`);
  }

  async find(text: string): Promise<StoredImage | undefined> {
    return findInState(await this.readState(), text);
  }

  async manifest(image: ImageRecord): Promise<Manifest> {
    return this.content.readJson<Manifest>(image.manifestDigest);
  }

  async config(image: ImageRecord): Promise<ImageConfig> {
    return this.content.readJson<ImageConfig>(image.id);
  }
}
