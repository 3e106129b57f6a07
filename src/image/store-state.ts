// The image store's state file (`images.json`: image records and the tags naming them) and how a name finds
// an image in it. Apart from ImageStore (store.ts), which adds locking and writing, so that a reader that only
// checks a few tags (a build's replay, src/cli/build-replay.ts) does not load the lock machinery.
import { JournaledTable, type Sha256Digest } from '../../cache/index.js';
import { UserError } from '../errors.js';
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

export interface StateFile {
  version: 1;
  images: Record<string, ImageRecord>; // by manifest digest
  tags: Record<string, Sha256Digest>; // canonical reference → manifest digest
}

/**
 * The image store's state in `dir`: images.json and its journal (cache/journaled-table.ts). With `lock` it can
 * be changed; without, as the build replay opens it, it is only read. Flushed on every change: a tag must
 * survive a crash.
 */
export function storeStateTable(dir: string, lock?: () => Promise<() => Promise<void>>): JournaledTable<StateFile> {
  return new JournaledTable<StateFile>({ dir, name: 'images', empty: () => ({ version: 1, images: {}, tags: {} }), lock, durable: true });
}

/** The key of `ref` in the state's tags: repository and tag, digest left out. */
export function canonicalTag(ref: ImageReference): string {
  if (ref.tag === undefined) throw new UserError(`a tag is needed: ${formatReference(ref)}`);
  return `${repositoryName(ref)}:${ref.tag}`;
}

export function viewOf(state: StateFile, record: ImageRecord): StoredImage {
  const tags = Object.entries(state.tags)
    .filter(([, digest]) => digest === record.manifestDigest)
    .map(([ref]) => ref)
    .sort();
  return { ...record, tags };
}

/**
 * Finds an image the way Docker does: a name[:tag] or name@digest reference first, then a full
 * or short image ID ("sha256:" optional), then a manifest digest.
 */
export function findInState(state: StateFile, text: string): StoredImage | undefined {
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
        return viewOf(state, record);
      }
    } else {
      const digest = state.tags[canonicalTag(ref)];
      const record = digest === undefined ? undefined : state.images[digest];
      if (record) return viewOf(state, record);
    }
  }
  const hex = /^(?:sha256:)?([a-f0-9]{1,64})$/.exec(text)?.[1];
  if (hex === undefined) return undefined;
  const byId = records.filter((r) => r.id.slice('sha256:'.length).startsWith(hex));
  const ids = new Set(byId.map((r) => r.id));
  if (ids.size > 1) throw new UserError(`short ID ${text} is ambiguous: it matches ${ids.size} images`);
  // One ID may have several manifests (same config, e.g. loaded from a compressed archive): prefer a tagged one.
  const tagged = byId.map((r) => viewOf(state, r)).sort((a, b) => b.tags.length - a.tags.length);
  if (tagged[0]) return tagged[0];
  const byManifest = text.startsWith('sha256:') ? state.images[text] : undefined;
  return byManifest ? viewOf(state, byManifest) : undefined;
}
