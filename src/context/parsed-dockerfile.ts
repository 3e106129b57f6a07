// Dockerfile parses kept under the state root, named by the hash of the text, its file name and the code
// that parsed them: a build's first parse builds chevrotain's lexer and parser (~7 ms), where reading a
// kept parse back as JSON takes a fraction of a millisecond. A parse is a pure function of those three,
// so a kept one is the same result (JSON only drops fields that were undefined); one that cannot be read
// is parsed again and rewritten.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { digestHex, sha256Of, writeFileAtomically } from '../../cache/index.js';
import { parseDockerfile, type ParseResult } from '../../grammar/index.js';

export interface ParseCache {
  dir: string;
  /** Which parser code runs (src/cli/code-identity.ts): a new build of tsbuild parses anew. */
  codeIdentity: string;
}

export function parseDockerfileKept(text: string, file: string, cache: ParseCache | undefined): ParseResult {
  if (cache === undefined) return parseDockerfile(text, { file });
  const path = join(cache.dir, `${digestHex(sha256Of(`${cache.codeIdentity}\0${file}\0${text}`))}.json`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ParseResult;
  } catch {
    const result = parseDockerfile(text, { file });
    mkdirSync(cache.dir, { recursive: true });
    writeFileAtomically(path, JSON.stringify(result));
    return result;
  }
}
