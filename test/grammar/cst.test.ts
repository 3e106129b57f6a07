// grammar/cst.d.ts is generated from the parser; this keeps the committed file in sync with the grammar,
// and runs the definition checks that the CLI skips.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { validateLexerDefinition } from '../../grammar/lexer.js';
import { instructionLineCstDts, validateInstructionLineGrammar } from '../../grammar/parser.js';
import { repoRoot } from '../helpers/paths.js';

it('grammar/cst.d.ts matches the grammar (regenerate with instructionLineCstDts())', () => {
  expect(readFileSync(join(repoRoot, 'grammar', 'cst.d.ts'), 'utf8')).toBe(instructionLineCstDts());
});

it('the lexer and parser pass chevrotain\'s definition checks (skipped at run time for start-up speed)', () => {
  expect(() => validateLexerDefinition()).not.toThrow();
  expect(() => validateInstructionLineGrammar()).not.toThrow();
});
