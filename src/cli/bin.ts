// The CLI's entry: runs the command table and sets the exit code (never calls process.exit mid-output).
// Bundled into dist/cli/tsbuild.cjs, which dist/cli/bin.js (launcher.ts) starts; no top-level await, as
// the bundle is CommonJS.
import { main } from './main.js';

// A reader that stops early (`tsbuild images -q | head -1`) is normal: end quietly, as SIGPIPE would.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
