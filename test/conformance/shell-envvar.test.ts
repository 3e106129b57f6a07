// BuildKit's shell/envVarTest: one word expanded without splitting, fixed environment (README §3).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandWord } from '../../grammar/index.js';
import { requireSharedDir } from '../helpers/paths.js';

interface EnvVarVector {
  line: number;
  platform: 'A' | 'U' | 'W';
  input: string;
  expected: string;
}

function readVectors(): EnvVarVector[] {
  const text = readFileSync(join(requireSharedDir(), 'shell', 'envVarTest'), 'utf8');
  const vectors: EnvVarVector[] = [];
  text.split('\n').forEach((raw, index) => {
    if (raw.startsWith('#') || raw.trim() === '') return;
    const fields = raw.trim().split('|');
    if (fields.length !== 3) throw new Error(`envVarTest:${index + 1}: expected 3 fields`);
    const [platform, input, expected] = fields.map((f) => f.trim()) as [EnvVarVector['platform'], string, string];
    vectors.push({ line: index + 1, platform, input, expected });
  });
  return vectors;
}

const env = ['PWD=/home', 'SHELL=bash', 'KOREAN=한국어', 'NULL='];
const vectors = readVectors();
// A parsing slip must not shrink the suite silently: the README counts 230 vectors.
if (vectors.length !== 230) throw new Error(`shell/envVarTest: read ${vectors.length} vectors, expected 230`);

describe('shell/envVarTest', () => {
  for (const v of vectors) {
    // W vectors are the Windows behaviour: names compare case-insensitively there.
    const options = { caseInsensitive: v.platform === 'W' };
    it(`shell/envVarTest:${v.line} ${v.platform} ${v.input}`, () => {
      if (v.expected === 'error') {
        expect(() => expandWord(v.input, env, options)).toThrow();
      } else {
        expect(expandWord(v.input, env, options).value).toBe(v.expected);
      }
    });
  }
});
