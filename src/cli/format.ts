// Output formats Docker users read every day: go-units sizes ("7.36MB") and durations
// ("About an hour ago"), and tabwriter-style tables (columns padded to width + 3 spaces).

const sizeUnits = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** Go's %.<precision>g: significant digits, trailing zeros dropped. */
function goFloat(value: number, precision: number): string {
  const text = value.toPrecision(precision);
  if (text.includes('e')) {
    const [mantissa, exponent] = text.split('e') as [string, string];
    const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    const exp = Number(exponent);
    return `${trimmed}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Decimal (SI) size with 3 significant digits, as `docker images` prints SIZE: 7.36MB, 123kB, 0B. */
export function humanSize(bytes: number, precision = 3): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < sizeUnits.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${goFloat(size, precision)}${sizeUnits[unit]}`;
}

/** go-units HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** "2 hours ago"; Docker prints "N/A" for images without a creation time. */
export function timeAgo(iso: string | undefined, now = Date.now()): string {
  if (iso === undefined) return 'N/A';
  const then = Date.parse(iso);
  if (Number.isNaN(then) || then <= 0) return 'N/A';
  return `${humanDuration(Math.max(0, now - then))} ago`;
}

const tableMinWidth = 10;
const tablePadding = 3;

/**
 * Rows of cells → lines, each column padded to its widest cell plus 3 spaces but never narrower than 10
 * (the last one not padded): the docker CLI's tabwriter settings (minwidth 10, padding 3), so "TAG" takes
 * 10 columns as it does in `docker images`.
 */
export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(tableMinWidth - tablePadding, ...all.map((r) => [...(r[i] ?? '')].length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] as number) - [...cell].length + tablePadding)))
        .join('')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** Docker's ellipsis for truncated columns: keeps `max` characters, the last one "…". */
export function ellipsis(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
