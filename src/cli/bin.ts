#!/usr/bin/env node
// Executable entry: runs the command table and sets the exit code (never calls process.exit mid-output).
import { main } from './main.js';

// A reader that stops early (`tsbuild images -q | head -1`) is normal: end quietly, as SIGPIPE would.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2));
