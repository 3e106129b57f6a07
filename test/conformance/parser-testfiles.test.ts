// BuildKit parser/testfiles (33 cases): each Dockerfile must parse and dump exactly as its `result` file;
// plus testfiles-negative (4 cases), which must fail to parse.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../grammar/index.js';
import { dumpNodes } from '../helpers/dockerfile-dump.js';
import { conformanceDir } from '../helpers/paths.js';

const testfiles = join(conformanceDir, 'parser', 'testfiles');
const negative = join(conformanceDir, 'parser', 'testfiles-negative');

describe('parser/testfiles', () => {
  for (const name of readdirSync(testfiles).sort()) {
    it(`parser/testfiles ${name}`, () => {
      const text = readFileSync(join(testfiles, name, 'Dockerfile'), 'utf8');
      const { nodes, diagnostics } = parseDockerfile(text);
      expect(diagnostics.filter((d) => d.phase === 'syntax' && d.severity === 'error')).toEqual([]);
      expect(dumpNodes(nodes)).toBe(readFileSync(join(testfiles, name, 'result'), 'utf8'));
    });
  }
});

describe('parser/testfiles-negative', () => {
  for (const name of readdirSync(negative).sort()) {
    it(`parser/testfiles-negative ${name}`, () => {
      const text = readFileSync(join(negative, name, 'Dockerfile'), 'utf8');
      const errors = parseDockerfile(text).diagnostics.filter((d) => d.severity === 'error' && d.phase === 'syntax');
      expect(errors.length).toBeGreaterThan(0);
    });
  }
});
