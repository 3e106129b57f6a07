#!/usr/bin/env node
// Starts the bundled CLI (tsbuild.cjs beside this file) through a V8 code cache. Compiling the bundle is
// about half of a short command's start-up, and Node 20 has no compile cache of its own. The cache holds
// the code a command compiled by the end of its first short successful run, so there is one per command
// word (`build` and `run` use different code). Short, because V8 drops the bytecode of functions unused for
// a few garbage collections (the bundle's outer function runs only once), and a cache written after a long
// run would miss exactly the start-up code. It is keyed by the bundle's size and mtime, because V8 checks
// only the source's length, and V8 rejects it after a Node upgrade or flag change; then it is written anew.
// A `build` first asks the small replay bundle (replay.cjs, build-replay.ts), which answers a build that would
// change nothing without the CLI being loaded at all.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { Module, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { leadingRoot } from './argv-root.js';

const here = dirname(fileURLToPath(import.meta.url));
const bundle = join(here, 'tsbuild.cjs');
const argv = process.argv.slice(2);

/** The command word argv names (after the global --root): `version` and `help` for those flags, `build` (the default command) for others. */
function commandWord(): string {
  const word = argv[leadingRoot(argv).next] ?? '';
  if (word === '--version' || word === '-V') return 'version';
  if (word === '--help' || word === '-h' || word === '') return 'help';
  return /^[a-z]+$/.test(word) ? word : 'build';
}

const maxCachingRunMs = 2000;

/** Compiles and runs the whole CLI. */
function startCli(): void {
  const stat = statSync(bundle);
  const cacheFile = join(here, 'code-cache', `${word}-${stat.size}-${Math.trunc(stat.mtimeMs)}.v8`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }

  // The bundler keeps it ASCII (scripts/bundle.mjs), and latin1 is the cheapest decoding of that.
  const script = new Script(Module.wrap(readFileSync(bundle, 'latin1')), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
  if (cachedData === undefined || script.cachedDataRejected === true) {
    process.once('exit', (code) => {
      // A failed run may have compiled only a fraction of the command's code; see above for long runs.
      if (code !== 0 || process.uptime() * 1000 > maxCachingRunMs) return;
      try {
        mkdirSync(dirname(cacheFile), { recursive: true });
        const partial = `${cacheFile}.${process.pid}`;
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, cacheFile); // concurrent first runs each write whole files
      } catch {
        // a read-only install runs without a cache
      }
    });
  }

  const bundleModule = new Module(bundle);
  bundleModule.filename = bundle;
  const wrapped = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  wrapped.call(bundleModule.exports, bundleModule.exports, createRequire(bundle), bundleModule, bundle, here);
}

// A build whose replay record still holds is answered by the small replay bundle (build-replay.ts) alone.
const word = commandWord();
if (word === 'build') {
  const replay = join(here, 'replay.cjs');
  const { replayBuild } = createRequire(replay)(replay) as typeof import('./build-replay.js');
  void replayBuild(argv, process.env, process.cwd(), { stdout: process.stdout, stderr: process.stderr }).then((replayed) => {
    if (!replayed) startCli();
  });
} else {
  startCli();
}
