// Which tsbuild code is running, for records only that code may trust (a build's replay record): the size and
// mtime of the installed bundle, which every `npm run build` writes anew. Run from sources (tests that import
// modules, tsx) there is no bundle and so no identity: such runs neither keep nor use those records.
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function codeIdentity(): string | undefined {
  // In dist/cli/*.cjs, import.meta.url names that bundle (scripts/bundle.mjs); tsbuild.cjs is the whole CLI.
  const file = fileURLToPath(import.meta.url);
  if (!file.endsWith('.cjs')) return undefined;
  const bundle = statSync(join(dirname(file), 'tsbuild.cjs'), { throwIfNoEntry: false });
  return bundle === undefined ? undefined : `${bundle.size}-${bundle.mtimeMs}`;
}
