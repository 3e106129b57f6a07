// Where tests find the repository, the shared conformance data (never copied into the repo) and the built CLI.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** ../shared beside the checkout (CI clones main with shared/ next to it); TSBUILD_SHARED overrides. */
export const sharedDir = resolve(process.env['TSBUILD_SHARED'] ?? join(repoRoot, '..', 'shared'));

export const conformanceDir = join(sharedDir, 'conformance', 'buildkit');

export function requireSharedDir(): string {
  if (!existsSync(conformanceDir)) {
    throw new Error(`conformance data not found at ${conformanceDir} (set TSBUILD_SHARED to the shared/ folder)`);
  }
  return conformanceDir;
}

/** The compiled CLI; scripts/test.sh builds it before the suite runs. */
export const cliPath = join(repoRoot, 'dist', 'cli', 'bin.js');

/** The `tsbuild` command users run: a shell script starting cliPath (src/cli/tsbuild.sh). */
export const tsbuildCommand = join(repoRoot, 'dist', 'cli', 'tsbuild');
