// ADD <git repository>, as BuildKit's git source: `<remote>#<ref>:<subdir>` (or the `?ref=&subdir=`
// query form) names a commit; it is resolved with `git ls-remote`, checked out with the git CLI into
// scratch space, stripped of .git unless --keep-git-dir, and its files dated at the commit time so the
// layer does not depend on when it was fetched. --checksum is the commit the ref must resolve to.
import { execFile } from 'node:child_process';
import { lutimes, mkdtemp, rm, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';
import { walkSelected } from '../context/walk.js';

const run = promisify(execFile);

export interface GitSource {
  remote: string;
  /** Branch, tag or commit; undefined for the remote's HEAD. */
  ref: string | undefined;
  /** Path inside the repository whose contents are added ('' for all). */
  subdir: string;
  /** From the query form; --keep-git-dir applies when it does not say. */
  keepGitDir: boolean | undefined;
}

/**
 * A remote repository, not a context path (BuildKit's gitutil): git@host:path, git://, ssh://, or an
 * http(s) URL whose path ends in .git. A local `repo.git` stays a context path.
 */
export function isGitSource(source: string): boolean {
  if (/^(git@[^:/]+:|git:\/\/|ssh:\/\/)/i.test(source)) return true;
  if (!/^https?:\/\//i.test(source)) return false;
  try {
    return new URL(source).pathname.endsWith('.git');
  } catch {
    return false;
  }
}

export function parseGitSource(source: string): GitSource {
  const hash = source.indexOf('#');
  let remote = hash < 0 ? source : source.slice(0, hash);
  const fragment = hash < 0 ? '' : source.slice(hash + 1);
  let ref: string | undefined;
  let subdir: string | undefined;
  let keepGitDir: boolean | undefined;
  const query = remote.indexOf('?');
  if (query >= 0 && /^[a-z]+:\/\//i.test(remote)) {
    const params = new URLSearchParams(remote.slice(query + 1));
    remote = remote.slice(0, query);
    ref = params.get('ref') ?? params.get('tag') ?? params.get('branch') ?? params.get('commit') ?? undefined;
    subdir = params.get('subdir') ?? undefined;
    const keep = params.get('keep-git-dir');
    if (keep !== null) keepGitDir = keep === '' || keep === 'true' || keep === '1';
  }
  if (fragment !== '') {
    const colon = fragment.indexOf(':');
    ref ??= (colon < 0 ? fragment : fragment.slice(0, colon)) || undefined;
    subdir ??= colon < 0 ? undefined : fragment.slice(colon + 1);
  }
  return { remote, ref, subdir: posix.normalize(`/${subdir ?? ''}`).slice(1), keepGitDir };
}

const fullCommit = /^[0-9a-f]{40}$/;

/** `git …` with no prompts and no user or system configuration that could change what is fetched. */
async function git(args: string[], options: { cwd?: string; signal?: AbortSignal | undefined } = {}): Promise<string> {
  try {
    const { stdout } = await run('git', args, {
      cwd: options.cwd,
      signal: options.signal,
      maxBuffer: 64 << 20,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' },
    });
    return stdout;
  } catch (err) {
    const error = err as NodeJS.ErrnoException & { stderr?: string };
    if (error.code === 'ENOENT') throw new UserError('ADD of a git repository needs git, which is not installed');
    // git ends with advice ("…and the repository exists."); the line that says what failed comes first.
    const lines = (error.stderr ?? error.message).split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const detail = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? '';
    throw new UserError(`failed to fetch git repository: git ${args[0]}: ${detail}`, { cause: err });
  }
}

/** The commit `source.ref` names now: a full commit as it is, else what ls-remote says (a tag's commit, not the tag object). */
export async function resolveGitCommit(source: GitSource, signal?: AbortSignal): Promise<string> {
  if (source.ref !== undefined && fullCommit.test(source.ref)) return source.ref;
  const wanted = source.ref ?? 'HEAD';
  const lines = (await git(['ls-remote', '--', source.remote], { signal })).split('\n').filter((l) => l !== '');
  const refs = new Map(lines.map((line) => [line.slice(line.indexOf('\t') + 1), line.slice(0, line.indexOf('\t'))] as const));
  const candidates = wanted === 'HEAD' ? ['HEAD'] : [`refs/tags/${wanted}^{}`, `refs/tags/${wanted}`, `refs/heads/${wanted}`, wanted];
  for (const name of candidates) {
    const commit = refs.get(name);
    if (commit !== undefined) return commit;
  }
  throw new UserError(`failed to fetch git repository ${source.remote}: ref ${wanted} not found`);
}

/** --checksum for a git source: the (full or abbreviated) commit the ref has to resolve to. */
export function checkGitChecksum(checksum: string, commit: string): void {
  if (!/^[0-9a-f]{4,40}$/.test(checksum)) throw new UserError(`invalid checksum ${checksum}: expected hex commit hash`);
  if (!commit.startsWith(checksum)) throw new UserError(`expected checksum to match ${checksum}, got ${commit}`);
}

export interface GitCheckout {
  /** The directory whose contents are added (the checkout, or its subdir). */
  dir: string;
  commit: string;
  remove(): Promise<void>;
}

/**
 * Checks `commit` of the source out below `tmpDir`: a shallow clone of the ref when the server allows it,
 * else a full clone (dumb HTTP servers cannot do shallow ones).
 */
export async function checkoutGit(source: GitSource, commit: string, tmpDir: string, keepGitDir: boolean, signal?: AbortSignal): Promise<GitCheckout> {
  const work = await mkdtemp(join(tmpDir, 'git-'));
  const remove = (): Promise<void> => rm(work, { recursive: true, force: true });
  try {
    const repo = join(work, 'repo');
    const shallow = source.ref !== undefined && !fullCommit.test(source.ref) ? ['--branch', source.ref] : [];
    try {
      await git(['clone', '--quiet', '--no-checkout', '--depth', '1', ...shallow, '--', source.remote, repo], { signal });
      await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', commit], { cwd: repo, signal });
    } catch {
      await rm(repo, { recursive: true, force: true });
      await git(['clone', '--quiet', '--no-checkout', '--', source.remote, repo], { signal });
      await git(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', commit], { cwd: repo, signal });
    }
    const commitTime = new Date(Number((await git(['log', '-1', '--format=%ct'], { cwd: repo, signal })).trim()) * 1000);
    if (!keepGitDir) await rm(join(repo, '.git'), { recursive: true, force: true });
    await dateTree(repo, commitTime);
    const dir = source.subdir === '' ? repo : join(repo, source.subdir);
    if (!(await stat(dir).then((info) => info.isDirectory(), () => false))) {
      throw new UserError(`failed to fetch git repository ${source.remote}: ${source.subdir} is not a directory at ${commit}`);
    }
    return { dir, commit, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}

/** Every entry (the root too) dated `time`, deepest first so a directory's own time is not moved again. */
async function dateTree(root: string, time: Date): Promise<void> {
  const entries = await walkSelected(root, { contextPath: '', relative: '' }, { sourceIgnore: undefined, exclude: undefined });
  for (const entry of entries.reverse()) await lutimes(entry.hostPath, time, time);
  await lutimes(root, time, time);
}
