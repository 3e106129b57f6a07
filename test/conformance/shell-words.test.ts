// BuildKit's shell/wordsTest: expansion with field splitting; ENV lines extend the environment (README §4).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandWords } from '../../grammar/index.js';
import { requireSharedDir } from '../helpers/paths.js';

interface WordsVector {
  line: number;
  input: string;
  expected: string[];
  env: string[];
}

function readVectors(): WordsVector[] {
  const text = readFileSync(join(requireSharedDir(), 'shell', 'wordsTest'), 'utf8');
  const vectors: WordsVector[] = [];
  const env: string[] = [];
  text.split('\n').forEach((raw, index) => {
    if (raw === '' || raw.startsWith('#')) return;
    if (raw.startsWith('ENV ')) {
      env.push(raw.slice(3).replace(/^ +/, ''));
      return;
    }
    const fields = raw.split('|');
    if (fields.length !== 2) throw new Error(`wordsTest:${index + 1}: expected 2 fields`);
    const input = fields[0]!.trim();
    const expected = fields[1]!.replace(/^ +/, '').split(',');
    vectors.push({ line: index + 1, input, expected, env: [...env] });
  });
  return vectors;
}

function wordsOrError(input: string, env: string[]): string[] {
  try {
    return expandWords(input, env);
  } catch {
    return ['error'];
  }
}

const vectors = readVectors();
// A parsing slip must not shrink the suite silently: the README counts 24 vectors.
if (vectors.length !== 24) throw new Error(`shell/wordsTest: read ${vectors.length} vectors, expected 24`);

describe('shell/wordsTest', () => {
  for (const v of vectors) {
    it(`shell/wordsTest:${v.line} ${v.input}`, () => {
      expect(wordsOrError(v.input, v.env)).toEqual(v.expected);
    });
  }
});
