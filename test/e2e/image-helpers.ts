// Shared by the CLI e2e suites: run the real CLI against a per-suite state root, read which build steps ran,
// and check the store's invariants (every blob matches its name, every tag's content is present, no stray ingests).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { storeStateTable } from '../../src/image/store-state.js';
import { cliPath } from '../helpers/paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `env` adds to (or overrides) the test's environment. */
export function tsbuild(root: string, args: string[], input?: Buffer | string, env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, [cliPath, '--root', root, ...args], { input, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI and fails with its stderr unless it exits 0. */
export function tsbuildSucceeds(root: string, args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const result = tsbuild(root, args, undefined, env);
  if (result.code !== 0) throw new Error(`tsbuild ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result;
}

/** Runs the CLI and fails with its stderr unless it exits 0; its stdout. */
export function tsbuildOk(root: string, args: string[], input?: Buffer | string): string {
  const result = tsbuild(root, args, input);
  if (result.code !== 0) throw new Error(`tsbuild ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** Names of the steps that ran (not CACHED) in plain progress output. */
export function executedSteps(stderr: string): string[] {
  const names = new Map<string, string>();
  const ran: string[] = [];
  for (const line of stderr.split('\n')) {
    const header = /^#(\d+) (\[.*)$/.exec(line);
    if (header) names.set(header[1] as string, header[2] as string);
    const running = /^#(\d+) running: /.exec(line);
    if (running) ran.push(names.get(running[1] as string) as string);
  }
  return ran;
}

/**
 * An image layer's size as `docker images` shows it, for a rootfs tarball: its regular files' bytes and its
 * symlinks' target lengths (GNU tar's verbose listing: `-` files with their size, `l` links as `name -> target`).
 */
export function dockerLayerSize(tarball: string): number {
  let size = 0;
  for (const line of execFileSync('tar', ['-tvf', tarball], { encoding: 'utf8' }).split('\n')) {
    const fields = line.split(/\s+/);
    if (line.startsWith('-')) size += Number(fields[2]);
    else if (line.startsWith('l')) size += Buffer.byteLength(line.slice(line.indexOf(' -> ') + 4));
  }
  return size;
}

export function cliBuilt(): string[] {
  return existsSync(cliPath) ? [] : [`the built CLI at ${cliPath} (npm run build)`];
}

/** Throws when a blob's bytes do not match its name or a recorded image lacks content. */
export function checkStoreConsistent(root: string): void {
  const blobDir = join(root, 'content', 'blobs', 'sha256');
  const blobs = new Set(existsSync(blobDir) ? readdirSync(blobDir) : []);
  for (const hex of blobs) {
    const actual = createHash('sha256').update(readFileSync(join(blobDir, hex))).digest('hex');
    if (actual !== hex) throw new Error(`blob ${hex} holds content ${actual}`);
  }
  const state = storeStateTable(join(root, 'images')).read();
  const has = (digest: string): boolean => blobs.has(digest.replace('sha256:', ''));
  for (const [tag, manifestDigest] of Object.entries(state.tags)) {
    if (!state.images[manifestDigest]) throw new Error(`tag ${tag} points at unknown image ${manifestDigest}`);
  }
  for (const [manifestDigest, record] of Object.entries(state.images)) {
    if (!has(manifestDigest) || !has(record.id)) throw new Error(`image ${manifestDigest} lacks its manifest or config`);
    const manifest = JSON.parse(readFileSync(join(blobDir, manifestDigest.replace('sha256:', '')), 'utf8')) as { layers: { digest: string }[] };
    for (const layer of manifest.layers) if (!has(layer.digest)) throw new Error(`image ${manifestDigest} lacks layer ${layer.digest}`);
  }
}

/** Files left in the ingest folder (temp files of interrupted writes). */
export function strayIngests(root: string): string[] {
  const dir = join(root, 'content', 'ingest');
  return existsSync(dir) ? readdirSync(dir) : [];
}

export function sh(command: string, args: string[], cwd?: string): string {
  return execFileSync(command, args, { encoding: 'utf8', cwd, maxBuffer: 64 << 20 });
}

/** Names of the blobs in the store, sorted. */
export function blobNames(root: string): string[] {
  const dir = join(root, 'content', 'blobs', 'sha256');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** The image store's state files (table and journal) as text ("" before the first image), to compare before and after. */
export function imageState(root: string): string {
  return ['images.json', 'images.journal']
    .map((name) => join(root, 'images', name))
    .map((path) => (existsSync(path) ? readFileSync(path, 'utf8') : ''))
    .join('\n');
}
