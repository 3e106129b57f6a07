// `--format` of Docker's listing commands (images, history): a Go template rendered once per row, or with the
// `table` prefix a table whose header names each column's field as Docker does (`{{.ID}}` → IMAGE ID). As in
// the Docker CLI, a literal `\t` or `\n` in the flag's text is a tab or a newline.
import { formatTable } from './format.js';
import { renderTemplate } from './template.js';

/** Column titles by field name, for `table` formats; a field without one gets an empty title. */
export type ColumnTitles = Readonly<Record<string, string>>;

function unescape(format: string): string {
  return format.replaceAll('\\t', '\t').replaceAll('\\n', '\n');
}

/** The title of one tab-separated column of a table template: the titles of the fields it names. */
function columnTitle(segment: string, titles: ColumnTitles): string {
  return [...segment.matchAll(/\{\{[^}]*?\.(\w+)[^}]*\}\}/g)].map((m) => titles[m[1] as string] ?? '').join(' ');
}

export function renderRows(format: string, rows: readonly object[], titles: ColumnTitles): string {
  const table = /^table(\s|$)/.exec(format);
  if (table === null) return rows.map((row) => `${renderTemplate(unescape(format), row)}\n`).join('');
  const columns = unescape(format.slice(table[0].length).trim()).split('\t');
  return formatTable(
    columns.map((segment) => columnTitle(segment, titles)),
    rows.map((row) => columns.map((segment) => renderTemplate(segment, row))),
  );
}
