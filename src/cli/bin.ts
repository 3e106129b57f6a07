#!/usr/bin/env node
// Executable entry: runs the command table and sets the exit code (never calls process.exit mid-output).
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
