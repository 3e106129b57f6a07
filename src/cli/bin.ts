#!/usr/bin/env node
// Executable entry: runs the command table and sets the exit code (never calls process.exit mid-output).
import * as nodeModule from 'node:module';

// Compiling modules is a large share of a short command's startup; Node ≥ 22.1 can keep the compiled code
// between runs (Node 20 has no such API, so there this does nothing). Enabled before the CLI's modules load.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
const { main } = await import('./main.js');

// A reader that stops early (`tsbuild images -q | head -1`) is normal: end quietly, as SIGPIPE would.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2));
