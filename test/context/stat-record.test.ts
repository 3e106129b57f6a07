// The context stats a build's replay record keeps (src/context/stat-record.ts): what they cover, what makes
// them stop holding, and that stats too recent to trust are not recorded at all.
import { lstatSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { compileIgnore, parseDockerignore } from '../../grammar/index.js';
import { contextStatsHold, recordContextStats, type ContextStats } from '../../src/context/stat-record.js';

let dir: string;
const later = (): bigint => BigInt(Date.now() + 60_000) * 1_000_000n;
const justNow = (): bigint => BigInt(Date.now()) * 1_000_000n;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsbuild-stat-record-'));
  mkdirSync(join(dir, 'src'));
  mkdirSync(join(dir, 'logs'));
  writeFileSync(join(dir, 'src', 'a.txt'), 'a\n');
  writeFileSync(join(dir, 'logs', 'x.log'), 'x\n');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function record(ignoreText = ''): ContextStats {
  const stats = recordContextStats(dir, compileIgnore(parseDockerignore(ignoreText)), later());
  if (stats === undefined) throw new Error('stats not recorded');
  return stats;
}

it('lists the context, its walked directories and selected entries, leaving ignored subtrees out', () => {
  const paths = record('logs\n').entries.filter((_, i) => i % 2 === 0);
  expect(paths.sort()).toEqual(['', 'src', 'src/a.txt']);
});

it('puts the most recently changed entry first, where a failing check looks first', () => {
  const old = new Date(Date.now() - 3_600_000);
  for (const path of ['', 'src', 'logs', 'logs/x.log']) utimesSync(join(dir, path), old, old);
  // Setting times changes ctimes, which take the clock's coarse tick (a few ms): the file changed a tick
  // later is the one to find first.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30);
  utimesSync(join(dir, 'src', 'a.txt'), old, old);
  expect(record().entries[0]).toBe('src/a.txt');
});

it('stops holding when a selected file changes, even with its size and mtime put back', () => {
  const stats = record();
  expect(contextStatsHold(stats)).toBe(true);
  const { mtime } = lstatSync(join(dir, 'src', 'a.txt'));
  writeFileSync(join(dir, 'src', 'a.txt'), 'b\n');
  utimesSync(join(dir, 'src', 'a.txt'), mtime, mtime);
  expect(contextStatsHold(stats)).toBe(false);
});

it('stops holding when an entry appears or goes, and holds through changes in ignored subtrees', () => {
  const stats = record('logs\n');
  writeFileSync(join(dir, 'logs', 'x.log'), 'changed\n');
  writeFileSync(join(dir, 'logs', 'y.log'), 'new\n');
  expect(contextStatsHold(stats)).toBe(true);
  writeFileSync(join(dir, 'src', 'b.txt'), 'b\n');
  expect(contextStatsHold(stats)).toBe(false);
  const again = record('logs\n');
  rmSync(join(dir, 'src', 'b.txt'));
  expect(contextStatsHold(again)).toBe(false);
});

it('records nothing when an entry changed after, or within the racy window before, the build started', () => {
  expect(recordContextStats(dir, undefined, justNow())).toBeUndefined();
  expect(recordContextStats(dir, undefined, later())).toBeDefined();
  const startedBefore = BigInt(Date.now() - 60_000) * 1_000_000n;
  expect(recordContextStats(dir, undefined, startedBefore)).toBeUndefined();
});

it("keeps the stat the build's checksum walk saw, so a change made after that walk still shows", () => {
  const file = join(dir, 'src', 'a.txt');
  const seen = new Map([[file, lstatSync(file, { bigint: true })]]);
  writeFileSync(file, 'changed while the build ran\n');
  const stats = recordContextStats(dir, undefined, later(), seen);
  if (stats === undefined) throw new Error('stats not recorded');
  expect(contextStatsHold(stats)).toBe(false);
  expect(contextStatsHold(record())).toBe(true);
});
