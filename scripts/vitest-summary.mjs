#!/usr/bin/env node
// Runs vitest with its default reporter plus a JSON report, then prints one plain closing line
// taken from the JSON: "<label>: P/T passed" for `conformance`, "N passed, N failed[, N skipped]" otherwise.
// Usage: node scripts/vitest-summary.mjs <label|-> [vitest args…]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [label = '-', ...args] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'tsbuild-vitest-'));
const report = join(dir, 'report.json');
const vitest = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args],
  { stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests;
  failed = json.numFailedTests + (json.numTotalTestSuites > 0 && json.success === false && json.numFailedTests === 0 ? 1 : 0);
  skipped = json.numPendingTests + json.numTodoTests;
} catch {
  failed = 1; // no report: vitest itself broke
}
rmSync(dir, { recursive: true, force: true });
if (label === 'conformance') {
  console.log(`conformance: ${passed}/535 passed`);
} else {
  console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
}
process.exitCode = vitest.status === 0 && failed === 0 ? 0 : 1;
