// Bundles the compiled CLI (dist/src) into dist/cli with esbuild: tsbuild.cjs holds the whole CLI with every
// dependency inlined, replay.cjs the replay of no-op builds (src/cli/build-replay.ts), and bin.js (src/cli/launcher.ts) starts it through a V8 code cache; both are CommonJS
// (dist/cli/package.json says so). dist/cli/tsbuild (src/cli/tsbuild.sh) is the command that starts bin.js. One CommonJS file
// loads faster than many ES modules (Node 20's ESM loader resolves and links each one) and can be compiled
// from a code cache, which ES modules cannot on Node 20. Commands stay lazy: esbuild turns their dynamic
// imports into deferred initialisers, so a command's code runs only when argv names it. import.meta.url
// becomes the bundle's own URL. src/snapshot/tar-format.ts patches tar-stream's headers.js module, which must
// be the one tar-stream itself loads: in the bundle, tar-stream-headers.js becomes a require of that file, which
// esbuild bundles once for both (loading tar-stream from node_modules cost ~14 ms of every layer-writing build).
import { build } from 'esbuild';
import { chmod, copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(repoRoot, 'dist', 'src', 'cli');
const outdir = join(repoRoot, 'dist', 'cli');
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };

await rm(outdir, { recursive: true, force: true });
const commonJs = {
  ...common,
  format: 'cjs',
  define: { 'import.meta.url': 'bundleUrl' },
  banner: { js: "'use strict'; const bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
};
const cli = join(outdir, 'tsbuild.cjs');
const tarStreamHeaders = join(dirname(createRequire(import.meta.url).resolve('tar-stream')), 'headers.js');
const bundledTarStreamHeaders = {
  name: 'bundled-tar-stream-headers',
  setup(build) {
    build.onLoad({ filter: /[\\/]snapshot[\\/]tar-stream-headers\.js$/ }, () => ({
      contents: `export const tarStreamHeaders = require(${JSON.stringify(tarStreamHeaders)});`,
      loader: 'js',
    }));
  },
};
await build({ ...commonJs, entryPoints: [join(compiled, 'bin.js')], outfile: cli, plugins: [bundledTarStreamHeaders] });
// esbuild escapes non-ASCII characters in code but not in the comments it keeps; escaping those too lets the
// launcher read the bundle as latin1, which is cheaper than decoding UTF-8.
const text = await readFile(cli, 'utf8');
await writeFile(cli, text.replace(/[^\x00-\x7f]/gu, (char) => `\\u{${char.codePointAt(0).toString(16)}}`));
// A no-op build is answered by the replay module alone (src/cli/build-replay.ts), without loading the CLI above.
// ora (only a terminal's progress needs it) stays a real import() of the installed package: inlined, it was
// most of the bundle every replay and every build compiles.
await build({ ...commonJs, entryPoints: [join(compiled, 'build-replay.js')], outfile: join(outdir, 'replay.cjs'), external: ['ora'] });
// The launcher is CommonJS too (Node starts a CommonJS main faster than an ES module one).
await build({ ...commonJs, entryPoints: [join(compiled, 'launcher.js')], outfile: join(outdir, 'bin.js') });
await writeFile(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
// The `tsbuild` command itself: a shell script that starts bin.js (see src/cli/tsbuild.sh for why).
await copyFile(join(repoRoot, 'src', 'cli', 'tsbuild.sh'), join(outdir, 'tsbuild'));
await chmod(join(outdir, 'tsbuild'), 0o755);
