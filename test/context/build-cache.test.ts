// Context checksums seen through real builds (the CLI, runc): touching every file keeps COPY cached,
// and a content change that keeps size and mtime still re-runs it, even when the stat index trusts
// the old entry.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { racyWindowNs } from '../../cache/index.js';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { cliPath, repoRoot } from '../helpers/paths.js';

let work: string;
let root: string;
let context: string;

function build(): string {
  const result = spawnSync(process.execPath, [cliPath, '--root', root, 'build', '-t', 'ctx', '--progress', 'plain', context], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`build failed (${result.status}):\n${result.stderr}`);
  return result.stderr;
}

/** `running: <reason>` per step name that ran, in plain progress output. */
function ran(stderr: string): Record<string, string> {
  const names = new Map<string, string>();
  const reasons: Record<string, string> = {};
  for (const line of stderr.split('\n')) {
    const header = /^#(\d+) \[[^\]]*\] (.*)$/.exec(line);
    if (header) names.set(header[1] as string, header[2] as string);
    const running = /^#(\d+) running: (.*)$/.exec(line);
    if (running) reasons[names.get(running[1] as string) as string] = running[2] as string;
  }
  return reasons;
}

const missing = [...sandboxMissing(), ...(existsSync(cliPath) ? [] : [`the built CLI at ${cliPath} (npm run build)`])];

describeIf('context checksums in builds', missing, () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'tsbuild-ctx-build-'));
    root = join(work, 'root');
    context = join(work, 'context');
    mkdirSync(join(context, 'src'), { recursive: true });
    for (let i = 0; i < 50; i++) writeFileSync(join(context, 'src', `mod${i}.js`), `export const v = ${i};\n`);
    writeFileSync(join(context, 'src', 'app.js'), 'console.log("v1")\n');
    writeFileSync(join(context, 'Dockerfile'), 'FROM busybox\nCOPY src/ /app/\nRUN cat /app/app.js > /out.txt\n');
    utimesSync(join(context, 'src', 'app.js'), 1_600_000_000, 1_600_000_000); // whole seconds: restorable exactly
    const result = spawnSync(process.execPath, [cliPath, '--root', root, 'import', join(repoRoot, '.tsbuild-bases', 'busybox.tar'), 'busybox:latest'], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(result.stderr);
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('sees a same-size, same-mtime content change once the index trusts the old stat', async () => {
    // Old enough that the first build keeps every stat in the index.
    await new Promise((resolve) => setTimeout(resolve, Number(racyWindowNs / 1_000_000n) + 200));
    expect(Object.keys(ran(build()))).toEqual(['COPY src/ /app/', 'RUN cat /app/app.js > /out.txt']);
    // entries: path, stat identity, digest, path, …
    const index = JSON.parse(readFileSync(join(root, 'cache', 'contenthash', 'index.json'), 'utf8')) as { entries: string[] };
    expect(index.entries.filter((_, at) => at % 3 === 0)).toContain(join(context, 'src', 'app.js'));
    const before = statSync(join(context, 'src', 'app.js'));
    writeFileSync(join(context, 'src', 'app.js'), 'console.log("v2")\n');
    utimesSync(join(context, 'src', 'app.js'), before.atime, before.mtime);
    expect(statSync(join(context, 'src', 'app.js')).mtimeMs).toBe(before.mtimeMs);
    expect(ran(build())).toEqual({ 'COPY src/ /app/': 'file src/app.js changed', 'RUN cat /app/app.js > /out.txt': 'the step before it changed' });
  });

  it('keeps COPY cached after every file is touched', () => {
    const now = new Date();
    for (const name of ['src', ...Array.from({ length: 50 }, (_, i) => `src/mod${i}.js`), 'src/app.js']) utimesSync(join(context, name), now, now);
    const stderr = build();
    expect(ran(stderr)).toEqual({});
    expect(stderr.match(/CACHED/g)).toHaveLength(2);
  });
});
