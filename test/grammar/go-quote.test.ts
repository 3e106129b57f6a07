// The dump helper's Go strconv.Quote rules beyond what the testfiles corpus exercises.
import { expect, it } from 'vitest';
import { goQuote } from '../helpers/go-quote.js';

it('quotes like Go strconv.Quote', () => {
  expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
  expect(goQuote('\x00\x07\x7f\x1b')).toBe('"\\x00\\a\\x7f\\x1b"');
  expect(goQuote('♥ é')).toBe('"♥ é"');
  expect(goQuote('\u00a0\u200b\u{e0001}')).toBe('"\\u00a0\\u200b\\U000e0001"');
});
