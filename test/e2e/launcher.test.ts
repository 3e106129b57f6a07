// The `tsbuild` command (dist/cli/tsbuild, src/cli/tsbuild.sh): it starts the CLI through a link, keeps a code
// cache per command, and hands NODE_EXTRA_CA_CERTS to tsbuild's own HTTPS client, so ADD <https url> trusts
// what Node would have trusted. The bundle's context checksums are xxhash-wasm's own digests.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import xxhash from 'xxhash-wasm';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { repoRoot, tsbuildCommand } from '../helpers/paths.js';
import { selfSignedCertificate } from '../helpers/tls.js';

let work: string;
let root: string;
let server: Server;
let origin: string;
let certFile: string;

/** Runs `command` without blocking the event loop (the HTTPS server is in this process). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: 'utf8', env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr });
    });
  });
}

const { NODE_EXTRA_CA_CERTS: _inherited, ...envWithoutCa } = process.env;

const missing = [...sandboxMissing(), ...(existsSync(tsbuildCommand) ? [] : [`the built CLI at ${tsbuildCommand} (npm run build)`])];

describeIf('the tsbuild command', missing, () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'tsbuild-launcher-'));
    root = join(work, 'root');
    const certificate = selfSignedCertificate(work);
    certFile = certificate.certFile;
    const keyFile = certificate.keyFile;
    server = createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (_request, response) => response.writeHead(200).end('over tls\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    execFileSync('bash', [join(repoRoot, 'scripts', 'make-busybox-rootfs.sh')]);
    execFileSync(tsbuildCommand, ['--root', root, 'import', join(repoRoot, '.tsbuild-bases', 'busybox.tar'), 'busybox:latest'], { stdio: 'ignore' });
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(work, { recursive: true, force: true });
  });

  it('runs through a link to it and keeps a code cache for the command', async () => {
    const link = join(work, 'bin', 'tsbuild');
    mkdirSync(join(work, 'bin'));
    symlinkSync(tsbuildCommand, link);
    for (let round = 0; round < 2; round++) expect((await run(link, ['--version'], process.env)).stdout.trim()).toBe('0.1.0');
    const cacheDir = join(repoRoot, 'dist', 'cli', 'code-cache');
    const cacheFile = readdirSync(cacheDir).find((name) => name.startsWith('version-'));
    expect(cacheFile).toBeDefined();
    // A damaged cache is refused by V8: the command still works, and writes a good one again.
    writeFileSync(join(cacheDir, cacheFile as string), 'not a code cache');
    expect((await run(link, ['--version'], process.env)).stdout.trim()).toBe('0.1.0');
    expect(readFileSync(join(cacheDir, cacheFile as string), 'latin1')).not.toBe('not a code cache');
  });

  it('hashes context files with the digests of xxhash-wasm itself', async () => {
    const context = join(work, 'hashed');
    mkdirSync(context);
    const text = 'hashed by the bundle\n'.repeat(100);
    writeFileSync(join(context, 'data.txt'), text);
    writeFileSync(join(context, 'Dockerfile'), 'FROM busybox\nCOPY data.txt /data.txt\n');
    const built = await run(tsbuildCommand, ['--root', root, 'build', '--explain', '--progress=plain', context], envWithoutCa);
    expect(built.code).toBe(0);
    const expected = (await xxhash()).h64Raw(Buffer.from(text)).toString(16).padStart(16, '0');
    expect(built.stderr).toContain(`file data.txt file 644 ${text.length} xxh64:${expected}`);
  });

  it('keeps NODE_EXTRA_CA_CERTS from node and passes it on as TSBUILD_EXTRA_CA_CERTS', async () => {
    // A `node` first on PATH that reports what it was given.
    const fakeBin = join(work, 'fake-node');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'node'), '#!/bin/sh\necho "node=${NODE_EXTRA_CA_CERTS-unset} tsbuild=${TSBUILD_EXTRA_CA_CERTS-unset} $*"\n', { mode: 0o755 });
    const env = { ...envWithoutCa, PATH: `${fakeBin}:${process.env['PATH'] ?? ''}` };
    const started = await run(tsbuildCommand, ['ps', '-a'], { ...env, NODE_EXTRA_CA_CERTS: certFile });
    expect(started.stdout.trim()).toBe(`node=unset tsbuild=${certFile} -- ${join(repoRoot, 'dist', 'cli', 'bin.js')} ps -a`);
    expect((await run(tsbuildCommand, ['ps'], env)).stdout.trim()).toBe(`node=unset tsbuild=unset -- ${join(repoRoot, 'dist', 'cli', 'bin.js')} ps`);
  });

  it('leaves options such as --env-file to tsbuild: node, which reads some after the script name, never sees them', async () => {
    const missingFile = join(work, 'no-such.env');
    const result = await run(tsbuildCommand, ['--root', root, 'run', '--rm', '--env-file', missingFile, 'busybox', 'true'], envWithoutCa);
    expect(result.code).toBe(125);
    expect(result.stderr).toContain(`tsbuild: open ${missingFile}: no such file or directory`);
  });

  it('trusts the CAs of NODE_EXTRA_CA_CERTS for ADD <https url>, and nothing else', async () => {
    const context = join(work, 'context');
    mkdirSync(context);
    writeFileSync(join(context, 'Dockerfile'), `FROM busybox\nADD ${origin}/greeting.txt /greeting.txt\n`);
    const untrusted = await run(tsbuildCommand, ['--root', root, 'build', '-q', '-t', 'tls:1', context], envWithoutCa);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/failed to fetch https:\/\/127\.0\.0\.1:\d+\/greeting\.txt: self[- ]signed certificate/);

    const trusted = await run(tsbuildCommand, ['--root', root, 'build', '-q', '-t', 'tls:1', context], { ...envWithoutCa, NODE_EXTRA_CA_CERTS: certFile });
    expect(trusted.stderr).toBe('');
    expect(trusted.code).toBe(0);
    const cat = await run(tsbuildCommand, ['--root', root, 'run', '--rm', 'tls:1', 'cat', '/greeting.txt'], envWithoutCa);
    expect(cat.stdout).toBe('over tls\n');
  });
});
