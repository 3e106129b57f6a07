// ADD's extra sources on real files: local archives (tar, gzip, bzip2, xz made with the system tar)
// and URLs served by a local HTTP server on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { link, lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isArchive } from '../../src/ops/archive.js';
import { copyFiles, type CopyRequest } from '../../src/ops/copy-files.js';
import { downloadUrl, urlFileName, urlKeyPart } from '../../src/ops/http-source.js';

let work: string;
let context: string;
let rootfs: string;

function request(sources: string[], destination: string, extra: Partial<CopyRequest> = {}): CopyRequest {
  return { sources, destination, owner: undefined, sourceOwner: 'root', mode: undefined, exclude: undefined, sourceIgnore: undefined, parents: false, createdTime: new Date(0), unpack: true, tmpDir: work, ...extra };
}

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'tsbuild-add-'));
  context = join(work, 'context');
  rootfs = join(work, 'rootfs');
  await mkdir(join(work, 'payload/dir'), { recursive: true });
  await writeFile(join(work, 'payload/dir/foo'), 'content0\n');
  await mkdir(context);
  await mkdir(rootfs);
  const tar = (name: string, flag: string[]): void => {
    execFileSync('tar', ['-c', ...flag, '--owner=100', '--group=200', '-f', join(context, name), '-C', join(work, 'payload'), 'dir']);
  };
  tar('t.tar', []);
  tar('t.tar.gz', ['-z']);
  tar('t.tar.bz2', ['-j']);
  tar('t.tar.xz', ['-J']);
  await writeFile(join(context, 'not-a-tar.gz'), execFileSync('gzip', ['-c'], { input: 'plain text\n' }));
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('ADD local archives', () => {
  it('detects tars by their bytes, whatever the compression', async () => {
    for (const name of ['t.tar', 't.tar.gz', 't.tar.bz2', 't.tar.xz']) expect(await isArchive(join(context, name))).toBe(true);
    expect(await isArchive(join(context, 'not-a-tar.gz'))).toBe(false);
  });

  it.each(['t.tar', 't.tar.gz', 't.tar.bz2', 't.tar.xz'])('unpacks %s into the destination, keeping the tar owners', async (name) => {
    await copyFiles(context, rootfs, request([name], '/out/'));
    expect(await readFile(join(rootfs, 'out/dir/foo'), 'utf8')).toBe('content0\n');
    const info = await lstat(join(rootfs, 'out/dir/foo'));
    expect(`${info.uid}:${info.gid}`).toBe('100:200');
  });

  it('applies --chown to unpacked entries', async () => {
    await copyFiles(context, rootfs, request(['t.tar'], '/out/', { owner: { uid: 7, gid: 8 } }));
    const info = await lstat(join(rootfs, 'out/dir/foo'));
    expect(`${info.uid}:${info.gid}`).toBe('7:8');
  });

  // BuildKit's testDockerfileAddArchiveThroughAbsoluteSymlink; moby's Untar (chrooted) for an explicit directory entry.
  it('unpacks through a symlink where the archive only implies the directory, and replaces it where it names one', async () => {
    await mkdir(join(work, 'payload/var/run/act'), { recursive: true });
    await writeFile(join(work, 'payload/var/run/act/file'), 'act\n');
    await link(join(work, 'payload/var/run/act/file'), join(work, 'payload/var/run/act/hard'));
    execFileSync('tar', ['-cf', join(context, 'implied.tar'), '--no-recursion', '-C', join(work, 'payload'), 'var/run/act/file', 'var/run/act/hard']);
    execFileSync('tar', ['-cf', join(context, 'explicit.tar'), '-C', join(work, 'payload'), 'var']);
    await mkdir(join(rootfs, 'var'));
    await symlink('/run', join(rootfs, 'var/run'));
    await copyFiles(context, rootfs, request(['implied.tar'], '/'));
    expect(await readlink(join(rootfs, 'var/run'))).toBe('/run');
    expect(await readFile(join(rootfs, 'run/act/file'), 'utf8')).toBe('act\n');
    expect((await lstat(join(rootfs, 'run/act/hard'))).ino).toBe((await lstat(join(rootfs, 'run/act/file'))).ino);
    await copyFiles(context, rootfs, request(['explicit.tar'], '/'));
    expect((await lstat(join(rootfs, 'var/run'))).isDirectory()).toBe(true);
    expect(await readFile(join(rootfs, 'var/run/act/file'), 'utf8')).toBe('act\n');
  });

  it('copies a compressed file that holds no tar as it is, and never unpacks for COPY', async () => {
    await copyFiles(context, rootfs, request(['not-a-tar.gz'], '/x.gz'));
    expect(await readFile(join(rootfs, 'x.gz'))).toEqual(await readFile(join(context, 'not-a-tar.gz')));
    await copyFiles(context, rootfs, request(['t.tar.gz'], '/kept.tar.gz', { unpack: false }));
    expect((await lstat(join(rootfs, 'kept.tar.gz'))).isFile()).toBe(true);
  });
});

describe('ADD <url>', () => {
  let server: Server;
  let base: string;
  const body = 'served over http\n';
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const agents: string[] = [];
  let live = 'first';

  beforeAll(async () => {
    server = createServer((req, res) => {
      agents.push(req.headers['user-agent'] ?? '');
      if (req.url === '/missing') {
        res.writeHead(404).end();
        return;
      }
      if (req.url?.startsWith('/live/')) {
        const headers = req.url === '/live/etag' ? { ETag: `"${live.length}-${live.charCodeAt(0)}"` } : {};
        res.writeHead(200, headers).end(live);
        return;
      }
      res.writeHead(200, { 'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('names the file after the URL path, __unnamed__ without one', () => {
    expect(urlFileName('http://h/a/b/file.txt?x=1')).toBe('file.txt');
    expect(urlFileName('http://h/')).toBe('__unnamed__');
  });

  it('downloads, verifies the checksum and keeps Last-Modified as mtime', async () => {
    const download = await downloadUrl(`${base}/files/app.txt`, work, { checksum: digest });
    try {
      expect(download.name).toBe('app.txt');
      expect(await readFile(join(download.dir, download.name), 'utf8')).toBe(body);
      expect((await lstat(join(download.dir, download.name))).mtime.toISOString()).toBe('2015-10-21T07:28:00.000Z');
    } finally {
      await download.remove();
    }
  });

  // BuildKit's HTTP source revalidates on every build (testDockerfileADDFromURL: a rebuild asks again).
  it('keys a URL by what the server has now: ETag, else Last-Modified, else the body', async () => {
    const etag = await urlKeyPart(`${base}/live/etag`);
    const hashed = await urlKeyPart(`${base}/live/plain`);
    expect(etag).toBe(`url ${base}/live/etag etag="5-102"`);
    expect(await urlKeyPart(`${base}/stamped`)).toBe(`url ${base}/stamped modified=Wed, 21 Oct 2015 07:28:00 GMT length=-`);
    live = 'second';
    expect(await urlKeyPart(`${base}/live/etag`)).not.toBe(etag);
    expect(await urlKeyPart(`${base}/live/plain`)).not.toBe(hashed);
    await expect(urlKeyPart(`${base}/missing`)).rejects.toThrow('invalid response status 404');
    expect(agents.every((agent) => agent.includes('buildkit/v'))).toBe(true);
  });

  it('refuses a wrong checksum, a malformed one and a failing server', async () => {
    await expect(downloadUrl(`${base}/f`, work, { checksum: `sha256:${'0'.repeat(64)}` })).rejects.toThrow(`digest mismatch ${digest}: sha256:${'0'.repeat(64)}`);
    await expect(downloadUrl(`${base}/f`, work, { checksum: 'md5:abc' })).rejects.toThrow('invalid checksum md5:abc');
    await expect(downloadUrl(`${base}/missing`, work)).rejects.toThrow('invalid response status 404');
  });
});
