// Extended attributes through the native addon (Node has no xattr API), never following a final
// symlink: written when a tar entry carries them, read for every entry a layer is written from.
import { hostAddon } from '../host/addon.js';

/** Attributes that describe the snapshotter's own bookkeeping, never image content. */
function isOwnBookkeeping(name: string): boolean {
  return name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.') || name === 'security.selinux';
}

export async function setXattrs(path: string, xattrs: Map<string, Buffer>): Promise<void> {
  for (const [name, value] of xattrs) hostAddon().setXattr(path, name, value);
}

/** Path → attribute name → value. */
export type XattrsByPath = Map<string, Map<string, Buffer>>;

/** Every attribute of `path`, the snapshotter's bookkeeping included; empty when it has none. */
export function allXattrsOf(path: string): Map<string, Buffer> {
  return new Map(hostAddon().xattrs(path));
}

/** The attributes of `path` that belong in an image; empty when it has none. */
export function imageXattrsOf(all: Map<string, Buffer>): Map<string, Buffer> {
  return all.size === 0 ? all : new Map([...all].filter(([name]) => !isOwnBookkeeping(name)));
}

/** Image-relevant xattrs of each path; paths without any are absent. */
export async function readXattrs(paths: string[]): Promise<XattrsByPath> {
  const out: XattrsByPath = new Map();
  for (const path of paths) {
    const kept = imageXattrsOf(allXattrsOf(path));
    if (kept.size > 0) out.set(path, kept);
  }
  return out;
}
