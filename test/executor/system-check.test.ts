// `tsbuild system check [--clean]` through its commander registration, on a temp state root.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { registerSystemCheck } from '../../src/cli/commands/system-check.js';
import { createContext } from '../../src/cli/context.js';
import { sandboxPaths, sandboxRegistry } from '../../src/executor/runc.js';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';

async function systemCheck(root: string, ...args: string[]): Promise<string> {
  const program = new Command('tsbuild').option('--root <dir>').exitOverride();
  registerSystemCheck(program, createContext(program));
  const output: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(['--root', root, 'system', 'check', ...args], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return output.join('');
}

describeIf('tsbuild system check', sandboxMissing(), () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tsbuild-check-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('lists a stale bundle and registration, and removes them with --clean', async () => {
    const id = `check-${process.pid}`;
    const bundle = join(sandboxPaths(root).sandboxes, id);
    await mkdir(bundle, { recursive: true });
    await mkdir(sandboxRegistry, { recursive: true });
    await writeFile(join(sandboxRegistry, id), `999999999\n${bundle}\n`);
    const listed = await systemCheck(root);
    expect(listed).toContain(`bundle    ${bundle}\n`);
    expect(listed).toContain(`registration ${id}\n`);
    expect(listed).toContain('leftover(s); run with --clean to remove them\n');
    const cleaned = await systemCheck(root, '--clean');
    expect(cleaned).toMatch(/removed (\d+) of \1 leftover\(s\)\n$/);
    const after = await systemCheck(root);
    expect(after).not.toContain(id);
  });
});
