// EngineConfig: defaults ← environment ← flags, resolved once. The only module that reads process.env.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface EngineConfig {
  /** State root: blobs, images, snapshots, containers, cache records. Never inside the source tree. */
  root: string;
  /** SOURCE_DATE_EPOCH in seconds, when set: clamps layer mtimes and image `created`. */
  sourceDateEpoch: number | undefined;
  /**
   * CA certificates (a PEM file) trusted besides Node's own: NODE_EXTRA_CA_CERTS, which the `tsbuild` launcher
   * (src/cli/tsbuild.sh) passes on as TSBUILD_EXTRA_CA_CERTS so that Node does not parse it at every start-up.
   */
  extraCaFile: string | undefined;
}

export interface ConfigFlags {
  root?: string | undefined;
}

function defaultRoot(): string {
  if (process.getuid?.() === 0) return '/var/lib/tsbuild';
  const xdg = process.env['XDG_DATA_HOME'];
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.local', 'share'), 'tsbuild');
}

function parseEpoch(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`invalid SOURCE_DATE_EPOCH: ${value}`);
  return Number(value);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Every environment variable resolveConfig reads: a record of what a build depended on lists their values. */
export const configEnvNames = ['TSBUILD_ROOT', 'XDG_DATA_HOME', 'SOURCE_DATE_EPOCH', 'TSBUILD_EXTRA_CA_CERTS'] as const;

export function resolveConfig(flags: ConfigFlags = {}): EngineConfig {
  return {
    // Absolute, so paths handed to runc and mount stay valid whatever their working directory.
    root: resolve(flags.root ?? nonEmpty(process.env['TSBUILD_ROOT']) ?? defaultRoot()),
    sourceDateEpoch: parseEpoch(process.env['SOURCE_DATE_EPOCH']),
    extraCaFile: nonEmpty(process.env['TSBUILD_EXTRA_CA_CERTS']),
  };
}

/** Where each owner keeps its state under the state root (one folder per owner). */
export interface StatePaths {
  root: string;
  content: string; // content store: blobs/sha256/<hex>, ingest/
  images: string; // image store: tags and image metadata
  snapshots: string; // snapshotters: <root>/snapshots/<overlay|native>/
  runtime: string; // OCI runtime state (runc --root)
  containers: string; // containers/<id>/
  cache: string; // build cache records, context stat index
  replays: string; // replay records of builds (src/cli/build-replay.ts), inside cache/: pruned with it
  parses: string; // kept Dockerfile parses (src/context/parsed-dockerfile.ts), inside cache/: pruned with it
  tmp: string; // scratch space on the same filesystem (atomic renames)
}

export function statePaths(root: string): StatePaths {
  return {
    root,
    content: join(root, 'content'),
    images: join(root, 'images'),
    snapshots: join(root, 'snapshots'),
    runtime: join(root, 'runc'),
    containers: join(root, 'containers'),
    cache: join(root, 'cache'),
    replays: join(root, 'cache', 'replay'),
    parses: join(root, 'cache', 'parsed'),
    tmp: join(root, 'tmp'),
  };
}
