// .dockerignore and glob rules as Docker applies them: one row per fact.
import { describe, expect, it } from 'vitest';
import {
  PatternSyntaxError,
  compileGlob,
  compileIgnore,
  dockerignorePathFor,
  matchGlob,
  parseDockerignore,
} from '../../grammar/index.js';

// [patterns (as written in the file), path, ignored?]
const ignoreTable: [string[], string, boolean][] = [
  [['foo'], 'foo', true],
  [['foo'], 'foo/bar', true], // a match on a parent dir covers what is inside
  [['foo'], 'foo/bar/baz.txt', true],
  [['foo'], 'foobar', false],
  [['foo'], 'bar/foo', false], // patterns are anchored at the context root
  [['foo/bar'], 'foo/bar/x', true],
  [['foo/bar'], 'foo', false],
  [['*.go'], 'main.go', true],
  [['*.go'], 'cmd/main.go', false], // `*` never crosses a slash
  [['*/*.go'], 'cmd/main.go', true],
  [['**/*.go'], 'main.go', true],
  [['**/*.go'], 'a/b/c/main.go', true],
  [['**/*.go'], 'main.go.txt', false],
  [['**'], 'anything/at/all', true],
  [['**/foo'], 'foo', true],
  [['**/foo'], 'a/b/foo', true],
  [['**/foo'], 'a/b/foo/inner', true],
  [['**/foo'], 'a/xfoo', false],
  [['**foo'], 'barfoo', true], // Docker's suffix shortcut: `**foo` is a plain string suffix
  [['foo/**'], 'foo/x/y', true],
  [['foo**'], 'foobar', true], // Docker's prefix shortcut
  [['a/**/b'], 'a/b', true], // `**/` also matches zero directories
  [['a/**/b'], 'a/x/y/b', true],
  [['a/**/b'], 'a/x/y/c', false],
  [['a/**/*.log'], 'a/deep/er/x.log', true],
  [['?.txt'], 'a.txt', true],
  [['?.txt'], 'ab.txt', false],
  [['a?b'], 'a/b', false], // `?` never matches a slash
  [['[a-c].txt'], 'b.txt', true],
  [['[a-c].txt'], 'd.txt', false],
  [['[^a].txt'], 'b.txt', true],
  [['[^a].txt'], 'a.txt', false],
  [['[\\]].txt'], '].txt', true],
  [['a\\*b'], 'a*b', true], // `\` escapes the star
  [['a\\*b'], 'axb', false],
  [['a.b'], 'axb', false], // regex metacharacters are literal
  [['a+(b)'], 'a+(b)', true],
  [['a^b'], 'a^b', true],
  [['$x{1}'], '$x{1}', true],
  [['*.md', '!README.md'], 'README.md', false],
  [['*.md', '!README.md'], 'CHANGES.md', true],
  [['!README.md', '*.md'], 'README.md', true], // the later pattern wins
  [['docs', '!docs/keep.md'], 'docs/keep.md', false],
  [['docs', '!docs/keep.md'], 'docs/other.md', true],
  [['docs', '!docs/keep.md', 'docs/keep.md'], 'docs/keep.md', true],
  [['**/*.tmp', '!important/**'], 'important/x.tmp', false],
  [['**/*.tmp', '!important/**'], 'other/x.tmp', true],
  [['/foo'], 'foo', true], // leading slash means the context root
  [['./foo'], 'foo/x', true],
  [['foo/'], 'foo/x', true], // a trailing slash is cleaned away
  [['foo/../bar'], 'bar', true],
  [['foo//bar'], 'foo/bar', true],
  [['  foo  '], 'foo', true], // surrounding white space is trimmed
  [['# foo'], 'foo', false], // a comment
  [['  # foo'], '# foo', true], // only a `#` in column one starts a comment
  [['! foo'], 'foo', false], // space after `!` is trimmed too
  [['*'], '.', false], // the context root itself is never excluded
  [['*'], '.dockerignore', true], // no dotfile exception, unlike a shell
  [['héllo*'], 'héllo-wörld', true],
  [['[α-ω]'], 'λ', true],
  [['.*'], '.foo', true],
  [['.*'], 'foo', false],
  [['a**/*.txt'], 'a/dir/dir/file.txt', true],
  [['a/*.txt**'], 'a/file.txt', true],
  [['**/dir2/**'], 'dir/dir2/dir3/file', true],
  [['**/**/*.txt'], 'file.txt', true],
  [['**/**/*.txt2'], 'dir/dir/file.txt', false],
  [['a*'], 'ab/c', true], // matches the parent `ab`
  [['a*/b'], 'a/c/b', false],
  [['**', '!util/docker/web'], 'util/docker/web/foo', false],
  [['**', '!util/docker/web', 'util/docker/web/foo'], 'util/docker/web/foo', true],
  [['**', '!dist/*.whl'], 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', false],
];

describe('dockerignore: ignores()', () => {
  for (const [patterns, path, ignored] of ignoreTable) {
    it(`${JSON.stringify(patterns)} ${ignored ? 'ignores' : 'keeps'} ${path}`, () => {
      const matcher = compileIgnore(parseDockerignore(patterns.join('\n')));
      expect(matcher.ignores(path)).toBe(ignored);
    });
  }
});

describe('dockerignore: parseDockerignore()', () => {
  it('drops comments, blank lines and a BOM, cleans each pattern and keeps order', () => {
    const text = '\uFEFF# comment\n\nnode_modules\r\n/dist/\n  ./build//out  \n!./build/out/keep\n*.log\t\n';
    expect(parseDockerignore(text)).toEqual(['node_modules', 'dist', 'build/out', '!build/out/keep', '*.log']);
  });

  it('keeps "/" alone and turns "." patterns into "."', () => {
    expect(parseDockerignore('/\n.\n./\n')).toEqual(['/', '.', '.']);
  });
});

describe('dockerignore: compileIgnore() errors', () => {
  it.each([['['], ['[]'], ['[a-]'], ['[-a]'], ['a\\'], ['!']])('rejects %j', (pattern) => {
    expect(() => compileIgnore([pattern])).toThrow(PatternSyntaxError);
  });
});

describe('dockerignore: mayIncludeUnder()', () => {
  // [patterns, ignored dir, may something below be re-included?]
  const table: [string[], string, boolean][] = [
    [['node_modules'], 'node_modules', false],
    [['docs', '!docs/keep.md'], 'docs', true],
    [['docs', '!docs/keep.md'], 'src', false],
    [['docs', '!docs/*/keep.md'], 'docs/a', true],
    [['docs', '!docs/*/keep.md'], 'docs/a/b', false], // keep.md would sit in docs/a, not below docs/a/b
    [['docs', '!docs/*/keep.md'], 'docs/a/keep.md', true], // a directory named keep.md is re-included whole
    [['build', '!**/keep'], 'build', true],
    [['a/b', '!a'], 'a/b', true], // `!a` re-includes a and all of it
    [['a', '!b/c'], 'a', false],
    [['*', '!src'], 'test', false],
    [['*', '!s*'], 'src', true],
  ];
  for (const [patterns, dir, may] of table) {
    it(`${JSON.stringify(patterns)} under ${dir}: ${may}`, () => {
      expect(compileIgnore(patterns).mayIncludeUnder(dir)).toBe(may);
    });
  }
});

describe('dockerignore: ignoredCopySource() (BuildKit\'s CopyIgnoredFile)', () => {
  it('gives the cleaned source a pattern or its parent excludes; an absolute source is matched as written, so never', () => {
    const rules = compileIgnore(['foo', '*.log']);
    expect(['./foo/', 'foo/bar', 'a.log', '/foo', 'bar', '*.log'].map((s) => rules.ignoredCopySource(s))).toEqual(['foo', 'foo/bar', 'a.log', undefined, undefined, '*.log']);
  });

  it('judges nothing with an exception, and the root only when every root entry is excluded', () => {
    expect(compileIgnore(['foo', '!foo/keep']).ignoredCopySource('foo')).toBeUndefined();
    expect(['.', '/', './'].map((s) => compileIgnore(['**']).ignoredCopySource(s))).toEqual(['.', '/', '.']);
    expect(compileIgnore(['.*', 'a/*']).ignoredCopySource('.')).toBeUndefined();
  });
});

describe('dockerignore: matchGlob() (Go filepath.Match)', () => {
  const table: [string, string, boolean][] = [
    ['*', 'abc', true],
    ['*', '', true],
    ['*', 'a/b', false],
    ['*/b', 'a/b', true],
    ['a*', 'ab/c', false],
    ['**', 'a/b', false], // no `**` in filepath.Match: two stars are still one segment
    ['a?c', 'abc', true],
    ['a?c', 'a/c', false],
    ['[abc]', 'b', true],
    ['[a-z0-9]', '7', true],
    ['[^a-z]', 'Q', true],
    ['[^a-z]', 'q', false],
    ['[z-a]', 'm', false], // an inverted range is valid and matches nothing
    ['\\[x\\]', '[x]', true],
    ['a\\b', 'ab', true], // a backslash before an ordinary char is just that char
    ['*.tar.gz', 'x.tar.gz', true],
    ['*.tar.gz', 'xtarxgz', false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['a?b', 'a☺b', true], // one character, not one byte
    ['a[^a]b', 'a☺b', true],
    ['a???b', 'a☺b', false],
    ['[a-ζ]*', 'α', true],
    ['*[a-ζ]', 'A', false],
    ['[\\]a]', ']', true],
    ['[\\-]', '-', true],
    ['[x\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[\\-x]', 'x', true],
  ];
  for (const [pattern, path, matches] of table) {
    it(`${pattern} ${matches ? 'matches' : 'does not match'} ${JSON.stringify(path)}`, () => {
      expect(matchGlob(pattern, path)).toBe(matches);
    });
  }

  it('compileGlob answers as matchGlob does, compiling once', () => {
    for (const [pattern, path, matches] of table) expect(compileGlob(pattern)(path), pattern).toBe(matches);
  });

  const malformed = ['[', '[a', '[]', '[^]', 'a\\', '[a-]', '[]a]', '[-]', '[-x]', '[a-b-c]', '[^bc', 'a['];
  it.each(malformed.map((p) => [p]))(
    'rejects %j',
    (pattern) => {
      // Go validates the whole pattern, even where the text already failed to match
      expect(() => matchGlob(pattern, 'x')).toThrow(PatternSyntaxError);
    },
  );
});

describe('dockerignore: dockerignorePathFor()', () => {
  it('names <Dockerfile>.dockerignore beside the Dockerfile', () => {
    expect(dockerignorePathFor('Dockerfile')).toBe('Dockerfile.dockerignore');
    expect(dockerignorePathFor('docker/app.Dockerfile')).toBe('docker/app.Dockerfile.dockerignore');
  });
});
