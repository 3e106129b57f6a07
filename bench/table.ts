// The shape every benchmark returns and the table `npm run bench` prints and writes.

export interface BenchRow {
  /** e.g. "parse", "store", "sandbox", "run", "build". */
  suite: string;
  /** What was measured, e.g. "10,000-instruction file". */
  case: string;
  /** Unit of the numbers, e.g. "MB/s", "ms (median)". */
  unit: string;
  tsbuild: number;
  /** The comparison point (another tool, or the floor such as plain runc) when there is one. */
  peer?: { name: string; value: number };
  note?: string;
}

function formatNumber(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function renderTable(rows: BenchRow[]): string {
  const header = '| suite | case | unit | tsbuild | peer | peer value | tsbuild/peer | note |';
  const lines = rows.map((r) => {
    const ratio = r.peer && r.peer.value !== 0 ? formatNumber(r.tsbuild / r.peer.value) : '';
    return `| ${r.suite} | ${r.case} | ${r.unit} | ${formatNumber(r.tsbuild)} | ${r.peer?.name ?? ''} | ${
      r.peer ? formatNumber(r.peer.value) : ''
    } | ${ratio} | ${r.note ?? ''} |`;
  });
  return [header, '|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}
