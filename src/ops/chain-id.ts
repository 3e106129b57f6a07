// Names of committed layer-chain snapshots, from the OCI chain ID of their layers (image/chain-id.ts). Kept apart from
// fs-state.ts (and its tar and layer-writing imports) so `tsbuild run` can look up an unpacked image's
// snapshot without loading them.
import type { Sha256Digest } from '../../cache/index.js';
import { chainId } from '../image/chain-id.js';

/** The snapshot holding the layers with these diff IDs (bottom first); undefined for no layers. */
export function snapshotNameOf(diffIds: Sha256Digest[]): string | undefined {
  const chain = chainId(diffIds);
  return chain === undefined ? undefined : `layers-${chain.slice('sha256:'.length)}`;
}
