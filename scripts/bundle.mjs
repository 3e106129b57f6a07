// Bundles the compiled CLI (dist/src) into dist/cli with esbuild: one file per lazily loaded part
// (code splitting keeps each command's imports lazy), every dependency inlined. Loading hundreds of
// small module files is most of a short command's start-up: chevrotain alone costs ~0.3 s as separate
// modules and ~0.1 s bundled; commander and proper-lockfile (with graceful-fs, retry, signal-exit)
// were 20 files resolved on every run. The banner gives bundled CommonJS code a `require` for Node's
// built-ins. Only tar-stream stays external: src/snapshot/tar-format.ts patches its headers.js module.
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
  external: ['tar-stream'],
  banner: { js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);" },
  logLevel: 'warning',
});
