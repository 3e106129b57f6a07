// Public surface of cache/: code outside this folder imports only from here.

// digests
export {
  initDigests,
  sha256Of,
  sha256OfStream,
  sha256OfFile,
  xxh64Of,
  createXxh64,
  isSha256Digest,
  digestHex,
} from './digest.js';
export type { Digest, Sha256Digest, Xxh64Hasher } from './digest.js';

// content store
export { ContentStore, ContentMismatchError, cacheDirTag } from './store.js';
export { writeFileAtomically } from './atomic-write.js';
export { JournaledTable } from './journaled-table.js';
export type { JournaledTableOptions, TableEdit } from './journaled-table.js';
export { readTextIfAny } from './text-file.js';
export type { BlobInfo, ContentStoreOptions, IngestExpectation } from './store.js';
export type { AlignedAllocator } from './blob-file.js';

// context checksums, cache keys and records
export { ContentHashIndex, xxh64OfFile } from './contenthash.js';
export { racyWindowFor, racyWindowNs, statIdentity, statIsSettled, type StatIdentityFields } from './stat-identity.js';
export type { ContentHashOptions } from './contenthash.js';
export { cacheKeyVersion, computeCacheKey, keyItem, partName, comparePreimages } from './keys.js';
export type { CacheKey, KeyPart, PartChange } from './keys.js';
export { RecordStore, processAlive } from './records.js';
export type { CacheRecord, NewRecord, LastUse, Lease, ResourceRefs } from './records.js';
export { planPrune, cacheBytes } from './gc.js';
export type { PrunePolicy, PruneFacts, PrunePlan, Resource } from './gc.js';
