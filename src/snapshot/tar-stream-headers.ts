// tar-stream's own headers module (not one of its public entry points), the very instance tar-stream's packer
// and extractor call, so that tar-format.ts can patch it. tar-stream's package exports hide the file, so it is
// found beside the package's main file. The bundler (scripts/bundle.mjs) replaces this module by a plain
// require of that file, which puts the library inside the bundle with one instance of it.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const requireCjs = createRequire(import.meta.url);
export const tarStreamHeaders: unknown = requireCjs(join(dirname(requireCjs.resolve('tar-stream')), 'headers.js'));
