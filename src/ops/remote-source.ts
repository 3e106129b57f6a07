// The sources ADD takes from elsewhere than the build context: http(s) files (http-source.ts) and git
// repositories (git-source.ts). Each is fetched into scratch space as a directory and an entry in it,
// which the copy then treats like a context path; and each gives the key part that says what it is now.
import { checkGitChecksum, checkoutGit, isGitSource, parseGitSource, resolveGitCommit } from './git-source.js';
import { downloadUrl, isUrlSource, urlKeyPart } from './http-source.js';

export function isRemoteSource(source: string): boolean {
  return isGitSource(source) || isUrlSource(source);
}

export interface RemoteOptions {
  /** ADD --checksum: a digest for a file, a commit for a repository. */
  checksum: string | undefined;
  /** ADD --keep-git-dir. */
  keepGitDir: boolean;
  signal?: AbortSignal | undefined;
  extraCaFile?: string | undefined;
}

export interface FetchedSource {
  /** Copy `name` from `dir`: a downloaded file, or `.` — the contents of a checkout. */
  dir: string;
  name: string;
  remove(): Promise<void>;
}

export async function fetchRemoteSource(source: string, tmpDir: string, options: RemoteOptions): Promise<FetchedSource> {
  if (!isGitSource(source)) return downloadUrl(source, tmpDir, options);
  const git = parseGitSource(source);
  const commit = await resolveGitCommit(git, options.signal);
  if (options.checksum !== undefined) checkGitChecksum(options.checksum, commit);
  const checkout = await checkoutGit(git, commit, tmpDir, git.keepGitDir ?? options.keepGitDir, options.signal);
  return { dir: checkout.dir, name: '.', remove: checkout.remove };
}

/**
 * What the source is now, for the step's key: a repository's commit (so a moved branch re-runs the step,
 * and adding --checksum for the same commit does not), a file's server identity — none when --checksum
 * already pins the file.
 */
export async function remoteKeyPart(source: string, options: Pick<RemoteOptions, 'checksum' | 'keepGitDir' | 'extraCaFile'>): Promise<string | undefined> {
  if (isGitSource(source)) {
    const git = parseGitSource(source);
    const commit = await resolveGitCommit(git);
    if (options.checksum !== undefined) checkGitChecksum(options.checksum, commit);
    return `git ${git.remote} ${commit} subdir=${git.subdir} keep-git-dir=${git.keepGitDir ?? options.keepGitDir}`;
  }
  return options.checksum === undefined ? urlKeyPart(source, options) : undefined;
}
