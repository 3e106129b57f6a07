// Expansion facts beyond the BuildKit vectors: options, error shape, pattern edge cases, the instruction table.
import { describe, expect, it } from 'vitest';
import {
  ExpandError,
  envLookup,
  expandWord,
  expandWords,
  expandsArguments,
  shellPatternToRegExp,
} from '../../grammar/index.js';

const value = (word: string, env: Record<string, string> | string[] = {}) => expandWord(word, env).value;

describe('expandWord', () => {
  it('uses the backtick as escape character when the Dockerfile says so', () => {
    expect(expandWord('a`$HOME b\\c', { HOME: '/root' }, { escape: '`' }).value).toBe('a$HOME b\\c');
    expect(expandWord('"`"q`""', {}, { escape: '`' }).value).toBe('"q"');
  });

  it('compares names case-insensitively only when asked (Windows)', () => {
    expect(expandWord('$path', ['PATH=/bin']).value).toBe('');
    expect(expandWord('$path', ['PATH=/bin'], { caseInsensitive: true }).value).toBe('/bin');
    expect(expandWord('$path', new Map([['Path', 'x']]), { caseInsensitive: true }).value).toBe('x');
  });

  it('calls a Lookup function once per reference and reports names as written', () => {
    const asked: string[] = [];
    const result = expandWord('$A ${b} $A', (name) => {
      asked.push(name);
      return name === 'A' ? 'x' : undefined;
    });
    expect(result).toEqual({ value: 'x  x', matched: ['A'], unmatched: ['b'] });
    expect(asked).toEqual(['A', 'b', 'A']);
  });

  it('reads names of Unicode letters and digits', () => {
    expect(value('$größe/x', { größe: '42' })).toBe('42/x');
  });

  it('trims the shortest or longest prefix and suffix', () => {
    const env = { F: 'archive.tar.gz' };
    expect(value('${F#*.}', env)).toBe('tar.gz');
    expect(value('${F##*.}', env)).toBe('gz');
    expect(value('${F%.*}', env)).toBe('archive.tar');
    expect(value('${F%%.*}', env)).toBe('archive');
  });

  it('replaces the first or every match, leaving an empty match right after a match alone (Go semantics)', () => {
    expect(value('${V/o/0}', { V: 'foo' })).toBe('f0o');
    expect(value('${V//o/0}', { V: 'foo' })).toBe('f00');
    expect(value('${V//*/-}', { V: 'abc' })).toBe('-');
    expect(value('${V/x/y}', { V: 'abc' })).toBe('abc');
  });

  it('keeps patterns literal apart from * and ?', () => {
    expect(value('${V#a.c}', { V: 'abc' })).toBe('abc');
    expect(value('${V#a.c}', { V: 'a.cd' })).toBe('d');
    expect(value('${V%[x]}', { V: 'a[x]' })).toBe('a');
  });

  it('does not let ? or * cross a newline, as Go regexp dot does not', () => {
    expect(value('${V#*}', { V: 'a\nb' })).toBe('a\nb');
    expect(value('${V##*}', { V: 'a\nb' })).toBe('\nb');
  });
});

describe('expandWord with rawQuotes and skipUnset (how BuildKit names RUN steps)', () => {
  it('keeps the quotes and every reference to an unset variable as written', () => {
    const word = `echo "$A" '$A' $B \${B} \${B:-x} \${B/a/b} \${A:+set} \\$A`;
    expect(expandWord(word, { A: '1' }, { rawQuotes: true, skipUnset: true }).value).toBe(`echo "1" '$A' $B \${B} \${B:-x} \${B/a/b} set $A`);
    expect(expandWord(word, { A: '1' }).value).toBe('echo 1 $A   x  set $A');
  });
});

describe('ExpandError', () => {
  it('names the word and the reason', () => {
    let error: unknown;
    try {
      expandWord('x${NEED:?}', { NEED: '' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExpandError);
    expect((error as ExpandError).reason).toBe('NEED: is not allowed to be empty');
    expect((error as ExpandError).message).toBe('failed to process "x${NEED:?}": NEED: is not allowed to be empty');
  });

  it.each([
    ['${V?}', 'V: is not allowed to be unset'],
    ['${V:=x}', 'unsupported modifier (:=) in substitution'],
    ['${V:#x}', 'unsupported modifier (:#) in substitution'],
    ['${V', "syntax error: missing '}'"],
    ['${}', 'syntax error: bad substitution'],
    ['${V/x', "syntax error: missing '/' in ${}"],
    ['"abc', 'unexpected end of statement while looking for matching double-quote'],
    ["'abc", 'unexpected end of statement while looking for matching single-quote'],
    ['${V#\\x}', "invalid pattern (\\x) in substitution: invalid escape '\\x'"],
  ])('%s fails with "%s"', (word, reason) => {
    expect(() => expandWord(word, {})).toThrow(reason);
  });
});

describe('expandWords', () => {
  it('splits unquoted expansions and keeps quoted ones whole', () => {
    const env = { L: 'a  b' };
    expect(expandWords('x $L "$L" y', env)).toEqual(['x', 'a', 'b', 'a  b', 'y']);
  });

  it('drops words that end up empty, even quoted ones', () => {
    expect(expandWords('"" $NONE a', {})).toEqual(['a']);
  });

  it('splits a ${V:-default} word outside quotes', () => {
    expect(expandWords('${V:-one two}', {})).toEqual(['one', 'two']);
  });
});

describe('envLookup', () => {
  it('lets the last definition win and treats a bare name as empty', () => {
    const lookup = envLookup(['A=1', 'B', 'A=2', 'C=x=y']);
    expect([lookup('A'), lookup('B'), lookup('C'), lookup('D')]).toEqual(['2', '', 'x=y', undefined]);
  });
});

describe('shellPatternToRegExp', () => {
  it('is lazy unless greedy and anchored only when asked', () => {
    expect(shellPatternToRegExp('a*', { greedy: false, anchored: true }).exec('aaa')?.[0]).toBe('a');
    expect(shellPatternToRegExp('a*', { greedy: true, anchored: true }).exec('aaa')?.[0]).toBe('aaa');
    expect(shellPatternToRegExp('b', { greedy: true, anchored: false }).test('abc')).toBe(true);
    expect(shellPatternToRegExp('b', { greedy: true, anchored: true }).test('abc')).toBe(false);
  });
});

describe('expandsArguments', () => {
  it('expands file, metadata and user arguments but never command text', () => {
    const expanding = ['ADD', 'COPY', 'ENV', 'EXPOSE', 'FROM', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR', 'ARG'];
    const verbatim = ['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'HEALTHCHECK', 'ONBUILD', 'MAINTAINER'];
    const expected = Object.fromEntries([...expanding.map((k) => [k, true]), ...verbatim.map((k) => [k, false])]);
    expect(expandsArguments).toEqual(expected);
  });
});
