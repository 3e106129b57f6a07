// EngineConfig: defaults ← environment ← flags, resolved once. The only module that reads process.env.
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface EngineConfig {
  /** State root: blobs, images, snapshots, containers, cache records. Never inside the source tree. */
  root: string;
  /** SOURCE_DATE_EPOCH in seconds, when set: clamps layer mtimes and image `created`. */
  sourceDateEpoch: number | undefined;
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

export function resolveConfig(flags: ConfigFlags = {}): EngineConfig {
  const envRoot = process.env['TSBUILD_ROOT'];
  return {
    root: flags.root ?? (envRoot && envRoot.length > 0 ? envRoot : defaultRoot()),
    sourceDateEpoch: parseEpoch(process.env['SOURCE_DATE_EPOCH']),
  };
}
