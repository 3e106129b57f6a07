// renderSnippet: numbered lines around the range, the range marked with > and carets.
import { describe, expect, it } from 'vitest';
import { renderSnippet } from '../../src/cli/snippet.js';

const text = ['FROM busybox AS build', 'WORKDIR /src', 'COPY --from=Build_X /out /', 'RUN make \\', '  && make install', 'CMD ["app"]', ''].join('\n');

describe('renderSnippet', () => {
  it('marks a range on one line with two lines of context', () => {
    expect(renderSnippet(text, { file: 'Dockerfile', line: 3, column: 13, endLine: 3, endColumn: 20 })).toBe(
      [
        'Dockerfile:3:13',
        '   1 | FROM busybox AS build',
        '   2 | WORKDIR /src',
        ' > 3 | COPY --from=Build_X /out /',
        '     |             ^^^^^^^',
        '   4 | RUN make \\',
        '   5 |   && make install',
        '',
      ].join('\n'),
    );
  });

  it('marks every line of a range spanning continuation lines', () => {
    expect(renderSnippet(text, { file: 'Dockerfile', line: 4, column: 1, endLine: 5, endColumn: 18 }, { context: 1 })).toBe(
      [
        'Dockerfile:4:1',
        '   3 | COPY --from=Build_X /out /',
        ' > 4 | RUN make \\',
        '     | ^^^^^^^^^^',
        ' > 5 |   && make install',
        '     |   ^^^^^^^^^^^^^^^',
        '   6 | CMD ["app"]',
        '',
      ].join('\n'),
    );
  });

  it('keeps tabs so carets line up, marks at least one column, and pads wide line numbers', () => {
    const long = `${Array.from({ length: 9 }, () => 'RUN true').join('\n')}\n\tEXPOSE x\n`;
    expect(renderSnippet(long, { file: 'D', line: 10, column: 9 }, { context: 1 })).toBe(
      ['D:10:9', '    9 | RUN true', ' > 10 | \tEXPOSE x', '      | \t       ^', ''].join('\n'),
    );
  });

  it('clamps a position past the end of the file; without an end column, marks to the end of the line', () => {
    expect(renderSnippet('FROM a\n', { file: 'D', line: 7, column: 1 }, { context: 0 })).toBe(['D:7:1', ' > 1 | FROM a', '     | ^^^^^^', ''].join('\n'));
  });
});
