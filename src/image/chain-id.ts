// OCI chain IDs: the identity of a stack of layers, by which snapshots of unpacked layers are named and
// `docker rmi` reports the layers it releases.
import { sha256Of, type Sha256Digest } from '../../cache/index.js';

/** OCI chain ID: ChainID(L0) = DiffID(L0); ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)). */
export function chainId(diffIds: Sha256Digest[]): Sha256Digest | undefined {
  let chain: Sha256Digest | undefined;
  for (const diffId of diffIds) chain = chain === undefined ? diffId : sha256Of(`${chain} ${diffId}`);
  return chain;
}
