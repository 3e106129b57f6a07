// BuildKit's ProcessWord table tests (transcribed into shell/process-word-vectors.json): matched/unmatched
// names, pattern operators, mandatory variables, the TARGET* template, env-list lookup, glob→regex.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envLookup, expandWord, shellPatternToRegExp } from '../../grammar/index.js';
import { requireSharedDir } from '../helpers/paths.js';

interface WithMatches {
  input: string;
  env: Record<string, string>;
  expected?: string;
  matched?: string[];
  unmatched?: string[];
  error?: true;
  unstable?: true;
}
interface MandatoryVar {
  input: string;
  env_list: string[];
  expected?: string;
  error_contains?: string;
}
interface Vectors {
  process_word_with_matches: WithMatches[];
  mandatory_vars: { cases: MandatoryVar[] };
  platform_template: { input: string; cases: { env: Record<string, string>; expected: string }[] };
  env_lookup: { cases: { env_list: string[]; key: string; value: string }[] };
  shell_pattern_to_regex: { valid: Record<string, string>; invalid: string[] };
}

const vectors = JSON.parse(
  readFileSync(join(requireSharedDir(), 'shell', 'process-word-vectors.json'), 'utf8'),
) as Vectors;

const sorted = (names: string[]) => [...names].sort();

describe('shell/process-word-vectors', () => {
  vectors.process_word_with_matches.forEach((v, i) => {
    it(`shell/process-word-vectors with_matches #${i} ${v.input}${v.unstable ? ' (unstable upstream)' : ''}`, () => {
      if (v.error) {
        expect(() => expandWord(v.input, v.env)).toThrow();
        return;
      }
      const result = expandWord(v.input, v.env);
      expect(result.value).toBe(v.expected);
      expect(sorted(result.matched)).toEqual(sorted(v.matched ?? []));
      expect(sorted(result.unmatched)).toEqual(sorted(v.unmatched ?? []));
    });
  });

  vectors.mandatory_vars.cases.forEach((v, i) => {
    it(`shell/process-word-vectors mandatory_vars #${i} ${v.input} [${v.env_list.join(' ')}]`, () => {
      if (v.error_contains !== undefined) {
        expect(() => expandWord(v.input, v.env_list)).toThrow(v.error_contains);
      } else {
        expect(expandWord(v.input, v.env_list).value).toBe(v.expected);
      }
    });
  });

  vectors.platform_template.cases.forEach((v, i) => {
    it(`shell/process-word-vectors platform_template #${i} ${JSON.stringify(v.env)}`, () => {
      expect(expandWord(vectors.platform_template.input, v.env).value).toBe(v.expected);
    });
  });

  vectors.env_lookup.cases.forEach((v, i) => {
    it(`shell/process-word-vectors env_lookup #${i} ${v.key} in [${v.env_list.join(' ')}]`, () => {
      // Go's map lookup yields "" for a missing name; our Lookup says undefined.
      expect(envLookup(v.env_list)(v.key) ?? '').toBe(v.value);
    });
  });

  for (const [pattern, goRegex] of Object.entries(vectors.shell_pattern_to_regex.valid)) {
    it(`shell/process-word-vectors shell_pattern_to_regex valid ${pattern}`, () => {
      // Upstream's vectors are greedy and anchored. We spell Go's `.` (anything but newline) as [^\n].
      const re = shellPatternToRegExp(pattern, { greedy: true, anchored: true });
      expect(re.source.replaceAll('[^\\n]', '.')).toBe(goRegex);
    });
  }

  for (const pattern of vectors.shell_pattern_to_regex.invalid) {
    it(`shell/process-word-vectors shell_pattern_to_regex invalid ${pattern}`, () => {
      expect(() => shellPatternToRegExp(pattern, { greedy: true, anchored: true })).toThrow(/invalid escape/);
    });
  }
});
