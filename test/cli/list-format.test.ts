// `--format` of the listing commands (src/cli/list-format.ts): plain templates per row, `table` with Docker's
// column titles, and the `\t` / `\n` the Docker CLI turns into tabs and newlines.
import { expect, it } from 'vitest';
import { renderRows } from '../../src/cli/list-format.js';

const rows = [
  { ID: 'aaa', Repository: 'app', Tag: '1' },
  { ID: 'bbbbbb', Repository: 'longer-name', Tag: 'latest' },
];
const titles = { ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG' };

it('renders a template once per row', () => {
  expect(renderRows('{{.Repository}}:{{.Tag}}', rows, titles)).toBe('app:1\nlonger-name:latest\n');
  expect(renderRows('{{.ID}}\\t{{.Tag}}', rows, titles)).toBe('aaa\t1\nbbbbbb\tlatest\n');
});

it('makes a table with titled, aligned columns for the table prefix', () => {
  expect(renderRows('table {{.Repository}}\\t{{.ID}}', rows, titles)).toBe(
    ['REPOSITORY    IMAGE ID', 'app           aaa', 'longer-name   bbbbbb', ''].join('\n'),
  );
});

it('prints a row as JSON with {{json .}}', () => {
  expect(renderRows('{{json .}}', rows.slice(0, 1), titles)).toBe('{"ID":"aaa","Repository":"app","Tag":"1"}\n');
});
