// Bundles the compiled CLI (dist/src) into dist/cli with esbuild: one file per lazily loaded part
// (code splitting keeps each command's imports lazy), chevrotain and its lodash-es modules inlined.
// Loading hundreds of small ESM files is most of a warm build's start-up: chevrotain alone costs
// ~0.3 s as separate modules and ~0.1 s bundled. Packages that are CommonJS, or that tsbuild reaches
// into (tar-stream's headers module, patched in src/snapshot/tar-format.ts), stay external.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(repoRoot, 'dist', 'cli');

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(repoRoot, 'dist', 'src', 'cli', 'bin.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['tar-stream', 'commander', 'ora', 'proper-lockfile', 'xxhash-wasm', '@dagrejs/graphlib'],
  logLevel: 'warning',
});
