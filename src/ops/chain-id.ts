// Names of committed layer-chain snapshots, from the OCI chain ID of their layers. Kept apart from
// fs-state.ts (and its tar and layer-writing imports) so `tsbuild run` can look up an unpacked image's
// snapshot without loading them.
import { sha256Of, type Sha256Digest } from '../../cache/index.js';

/** OCI chain ID: ChainID(L0) = DiffID(L0); ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)). */
export function chainId(diffIds: Sha256Digest[]): Sha256Digest | undefined {
  let chain: Sha256Digest | undefined;
  for (const diffId of diffIds) chain = chain === undefined ? diffId : sha256Of(`${chain} ${diffId}`);
  return chain;
}

/** The snapshot holding the layers with these diff IDs (bottom first); undefined for no layers. */
export function snapshotNameOf(diffIds: Sha256Digest[]): string | undefined {
  const chain = chainId(diffIds);
  return chain === undefined ? undefined : `layers-${chain.slice('sha256:'.length)}`;
}
