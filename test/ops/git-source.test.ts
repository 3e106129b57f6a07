// ADD <git repository> on a real repository made with the git CLI and served over git's "dumb" HTTP
// protocol by a static file server on 127.0.0.1 (BuildKit's testAddGit serves one the same way).
import { execFileSync } from 'node:child_process';
import { readFile as readFileCb } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { isGitSource, parseGitSource } from '../../src/ops/git-source.js';
import { fetchRemoteSource, remoteKeyPart } from '../../src/ops/remote-source.js';

let work: string;
let server: Server;
let remote: string;
let tagCommit: string;

const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' };
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();

/** Commits `files` on main at `time` (seconds) and republishes the bare repository. */
async function commit(files: Record<string, string>, time: number): Promise<string> {
  const tree = join(work, 'tree');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(tree, path, '..'), { recursive: true });
    await writeFile(join(tree, path), content);
  }
  git(tree, 'add', '-A');
  execFileSync('git', ['commit', '-q', '-m', `at ${time}`], { cwd: tree, env: { ...gitEnv, GIT_AUTHOR_DATE: `${time} +0000`, GIT_COMMITTER_DATE: `${time} +0000` } });
  git(tree, 'push', '-q', '--tags', join(work, 'repo.git'), 'main');
  git(join(work, 'repo.git'), 'update-server-info');
  return git(tree, 'rev-parse', 'HEAD');
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tsbuild-git-'));
  git(work, 'init', '-q', '--bare', 'repo.git');
  git(work, 'init', '-q', '-b', 'main', 'tree');
  tagCommit = await commit({ 'README.md': 'v1\n', 'sub/inner.txt': 'inner\n' }, 1_600_000_000);
  git(join(work, 'tree'), 'tag', '-a', '-m', 'release', 'v0.0.1');
  await commit({ 'README.md': 'v2\n' }, 1_600_000_100);
  server = createServer((req, res) => {
    readFileCb(join(work, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)), (err, data) => (err ? res.writeHead(404).end() : res.end(data)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  remote = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo.git`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});

describe('git sources', () => {
  it('tells repositories from URLs and context paths, and reads ref and subdir in both notations', () => {
    expect(isGitSource('https://github.com/moby/buildkit.git#v0.10.1')).toBe(true);
    expect(isGitSource('git@github.com:moby/buildkit.git')).toBe(true);
    expect(isGitSource('https://example.com/file.tar.gz')).toBe(false);
    expect(isGitSource('vendor/lib.git')).toBe(false);
    expect(parseGitSource('https://h/r.git#v1:docs/api')).toEqual({ remote: 'https://h/r.git', ref: 'v1', subdir: 'docs/api', keepGitDir: undefined });
    expect(parseGitSource('https://h/r.git?tag=v1&subdir=docs&keep-git-dir=true')).toEqual({ remote: 'https://h/r.git', ref: 'v1', subdir: 'docs', keepGitDir: true });
    expect(parseGitSource('git@h:r.git')).toEqual({ remote: 'git@h:r.git', ref: undefined, subdir: '', keepGitDir: undefined });
  });

  // BuildKit testAddGit: the tag's files without .git; --keep-git-dir keeps a clean .git; a full commit works too.
  it('checks out a tag without .git, dated at the commit, and keeps .git only when asked', async () => {
    const fetched = await fetchRemoteSource(`${remote}#v0.0.1`, work, { checksum: undefined, keepGitDir: false });
    try {
      expect(fetched.name).toBe('.');
      expect(await readFile(join(fetched.dir, 'README.md'), 'utf8')).toBe('v1\n');
      expect(await lstat(join(fetched.dir, '.git')).catch(() => undefined)).toBeUndefined();
      expect((await lstat(join(fetched.dir, 'sub/inner.txt'))).mtimeMs).toBe(1_600_000_000_000);
    } finally {
      await fetched.remove();
    }
    const kept = await fetchRemoteSource(`${remote}#${tagCommit}`, work, { checksum: undefined, keepGitDir: true });
    try {
      expect(git(kept.dir, 'rev-parse', 'HEAD')).toBe(tagCommit);
      expect(git(kept.dir, 'status', '--porcelain')).toBe('');
    } finally {
      await kept.remove();
    }
    const sub = await fetchRemoteSource(`${remote}#main:sub`, work, { checksum: undefined, keepGitDir: false });
    try {
      expect(await readFile(join(sub.dir, 'inner.txt'), 'utf8')).toBe('inner\n');
    } finally {
      await sub.remove();
    }
  });

  it('holds --checksum to the commit, in BuildKit words', async () => {
    await expect(fetchRemoteSource(`${remote}#v0.0.1`, work, { checksum: tagCommit.slice(0, 12), keepGitDir: false }).then((f) => f.remove())).resolves.toBeUndefined();
    await expect(remoteKeyPart(`${remote}#main`, { checksum: tagCommit, keepGitDir: false })).rejects.toThrow(`expected checksum to match ${tagCommit}`);
    await expect(remoteKeyPart(`${remote}#main`, { checksum: 'not-a-commit', keepGitDir: false })).rejects.toThrow(new UserError('invalid checksum not-a-commit: expected hex commit hash'));
    await expect(remoteKeyPart(`${remote}#nope`, { checksum: undefined, keepGitDir: false })).rejects.toThrow('ref nope not found');
  });

  // testAddGitChecksumCache: adding --checksum for the same commit keeps the key; a moved branch changes it.
  it('keys a repository by the commit its ref names now', async () => {
    const before = await remoteKeyPart(`${remote}#main`, { checksum: undefined, keepGitDir: false });
    const head = git(join(work, 'tree'), 'rev-parse', 'HEAD');
    expect(before).toBe(`git ${remote} ${head} subdir= keep-git-dir=false`);
    expect(await remoteKeyPart(`${remote}#main`, { checksum: head, keepGitDir: false })).toBe(before);
    expect(await remoteKeyPart(`${remote}#v0.0.1`, { checksum: undefined, keepGitDir: false })).toBe(`git ${remote} ${tagCommit} subdir= keep-git-dir=false`);
    await commit({ 'README.md': 'v3\n' }, 1_600_000_200);
    expect(await remoteKeyPart(`${remote}#main`, { checksum: undefined, keepGitDir: false })).not.toBe(before);
  });
});
