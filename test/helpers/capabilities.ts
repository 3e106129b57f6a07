// Capability gates for suites that need the real machine (runc, overlayfs, root, skopeo…).
// Without the capability a suite skips with the reason printed; with TSBUILD_TEST_REQUIRE_ALL=1 (CI)
// a missing capability fails instead, so nothing can silently skip.
import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';

export const requireAll = process.env['TSBUILD_TEST_REQUIRE_ALL'] === '1';

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * describe() that runs only when `missing` is empty. `missing` lists the reasons it cannot run.
 * Under TSBUILD_TEST_REQUIRE_ALL=1 the suite runs anyway and a registered test fails with the reasons.
 */
export function describeIf(name: string, missing: string[], body: () => void): void {
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const reason = `${name}: needs ${missing.join(', ')}`;
  if (requireAll) {
    describe(name, () => {
      it('has every capability it needs (TSBUILD_TEST_REQUIRE_ALL=1)', () => {
        throw new Error(`capability missing under TSBUILD_TEST_REQUIRE_ALL=1: ${reason}`);
      });
    });
    return;
  }
  process.stderr.write(`skipping ${reason}\n`);
  describe.skip(name, body);
}

/** Reasons a real-sandbox suite cannot run here (empty when it can). */
export function sandboxMissing(): string[] {
  const missing: string[] = [];
  if (!isRoot()) missing.push('root');
  if (!hasCommand('runc')) missing.push('runc (apt-get install runc)');
  return missing;
}
