// Extended attributes through Debian's attr tools (Node has no xattr API): setfattr when a tar entry
// carries xattrs, and getfattr (one run for a few paths, one recursive run for many) when a layer is written.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Attributes that describe the snapshotter's own bookkeeping, never image content. */
function isOwnBookkeeping(name: string): boolean {
  return name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.') || name === 'security.selinux';
}

export async function setXattrs(path: string, xattrs: Map<string, Buffer>): Promise<void> {
  for (const [name, value] of xattrs) {
    await run('setfattr', ['-h', '-n', name, '-v', `0x${value.toString('hex')}`, '--', path]);
  }
}

/** getfattr escapes unusual bytes in file names as \ooo octal (and a backslash as "\\"). */
export function unescapeGetfattrName(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const octal = /^\\([0-7]{3})/.exec(text.slice(i));
    if (octal) {
      bytes.push(Number.parseInt(octal[1] as string, 8));
      i += 3;
    } else if (text.startsWith('\\\\', i)) {
      bytes.push(0x5c);
      i += 1;
    } else {
      bytes.push(...Buffer.from(text[i] as string, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Path → attribute name → value. */
export type XattrsByPath = Map<string, Map<string, Buffer>>;

/** Paths named one by one up to this many; more are read with one recursive run over their root. */
const pathsPerRun = 500;

/**
 * Image-relevant xattrs of each path below `root` (without following symlinks); paths without any are
 * absent. Many paths cost one getfattr run over the whole tree rather than one run per 500 paths.
 */
export async function readXattrs(root: string, paths: string[]): Promise<XattrsByPath> {
  if (paths.length <= pathsPerRun) return imageXattrs(parseDump(await dump([], paths)));
  const wanted = new Set(paths);
  const all = imageXattrs(await readTreeXattrs(root));
  for (const path of all.keys()) if (!wanted.has(path)) all.delete(path);
  return all;
}

/** Every attribute of every path below `root` (bookkeeping included), in one getfattr run. */
export async function readTreeXattrs(root: string): Promise<XattrsByPath> {
  return parseDump(await dump(['-R', '-P'], [resolve(root)]));
}

/** Without the snapshotter's bookkeeping, and without paths left with no attribute. */
export function imageXattrs(all: XattrsByPath): XattrsByPath {
  const out: XattrsByPath = new Map();
  for (const [path, attrs] of all) {
    const kept = new Map([...attrs].filter(([name]) => !isOwnBookkeeping(name)));
    if (kept.size > 0) out.set(path, kept);
  }
  return out;
}

async function dump(options: string[], targets: string[]): Promise<string> {
  if (targets.length === 0) return '';
  // Exit status is 1 when some path has no xattr support; the dump is still complete.
  const { stdout } = await run('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', ...options, '--', ...targets], {
    maxBuffer: 256 << 20,
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return stdout;
}

/** getfattr's hex dump → path → attributes. */
function parseDump(stdout: string): XattrsByPath {
  const out: XattrsByPath = new Map();
  let current: Map<string, Buffer> | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('# file: ')) {
      current = new Map();
      out.set(unescapeGetfattrName(line.slice('# file: '.length)), current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq === -1) continue;
    const value = line.slice(eq + 1);
    if (value.startsWith('0x')) current.set(line.slice(0, eq), Buffer.from(value.slice(2), 'hex'));
  }
  return out;
}
