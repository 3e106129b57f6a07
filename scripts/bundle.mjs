// Bundles the compiled CLI (dist/src) into dist/cli with esbuild: tsbuild.cjs holds the whole CLI with every
// dependency inlined, and bin.js (src/cli/launcher.ts) starts it through a V8 code cache. One CommonJS file
// loads faster than many ES modules (Node 20's ESM loader resolves and links each one) and can be compiled
// from a code cache, which ES modules cannot on Node 20. Commands stay lazy: esbuild turns their dynamic
// imports into deferred initialisers, so a command's code runs only when argv names it. import.meta.url
// becomes the bundle's own URL. Only tar-stream stays external: src/snapshot/tar-format.ts patches its
// headers.js module, which must be the one tar-stream itself loads.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(repoRoot, 'dist', 'src', 'cli');
const outdir = join(repoRoot, 'dist', 'cli');
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };

await rm(outdir, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: [join(compiled, 'bin.js')],
  outfile: join(outdir, 'tsbuild.cjs'),
  format: 'cjs',
  external: ['tar-stream'],
  define: { 'import.meta.url': 'bundleUrl' },
  banner: { js: "'use strict'; const bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
await build({ ...common, entryPoints: [join(compiled, 'launcher.js')], outfile: join(outdir, 'bin.js'), format: 'esm' });
