// grammar/cst.d.ts is generated from the parser; this keeps the committed file in sync with the grammar.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { instructionLineCstDts } from '../../grammar/parser.js';
import { repoRoot } from '../helpers/paths.js';

it('grammar/cst.d.ts matches the grammar (regenerate with instructionLineCstDts())', () => {
  expect(readFileSync(join(repoRoot, 'grammar', 'cst.d.ts'), 'utf8')).toBe(instructionLineCstDts());
});
