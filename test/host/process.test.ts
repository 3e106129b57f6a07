// startProcess (the addon's posix_spawn): exit codes and signals as child_process reports them, piped
// output read to its end before `closed`, input that ends, the null device, passed-through fds, and
// a missing program failing at once.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { hostAddon } from '../../src/host/addon.js';
import { startProcess } from '../../src/host/process.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbuild-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function collect(stream: Readable | undefined): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream?.on('data', (chunk: Buffer) => (text += chunk.toString()));
    stream?.on('close', () => resolve(text));
  });
}

describe('startProcess', () => {
  it('reports the exit code once the piped output has all been read', async () => {
    const child = startProcess(['sh', '-c', 'seq 1 20000; echo oops >&2; exit 3'], ['ignore', 'pipe', 'pipe']);
    const [stdout, stderr] = [collect(child.stdout), collect(child.stderr)];
    expect(await child.closed).toEqual({ code: 3, signal: null });
    expect((await stdout).split('\n')).toHaveLength(20001);
    expect(await stderr).toBe('oops\n');
    expect(child.stdin).toBeUndefined();
  });

  it('names the signal that ended the process', async () => {
    const child = startProcess(['sleep', '30'], ['ignore', 'ignore', 'ignore']);
    process.kill(child.pid, 'SIGTERM');
    expect(await child.closed).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('starts the process with no signal ignored or blocked: not SIGPIPE, which node ignores, nor the two glibc keeps for itself', async () => {
    const child = startProcess(['grep', '-E', '^Sig(Ign|Blk)', '/proc/self/status'], ['ignore', 'pipe', 'ignore']);
    const status = collect(child.stdout);
    expect(await child.closed).toEqual({ code: 0, signal: null });
    expect(await status).toBe('SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
  });

  it('ends the input when our end of it ends, and hands over our own fds', async () => {
    const out = join(dir, 'out');
    const fd = openSync(out, 'w');
    try {
      const child = startProcess(['sh', '-c', 'cat; echo done'], ['pipe', fd, 'ignore']);
      Readable.from(['line 1\n', 'line 2\n']).pipe(child.stdin as NodeJS.WritableStream);
      expect(await child.closed).toEqual({ code: 0, signal: null });
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(out, 'utf8')).toBe('line 1\nline 2\ndone\n');
  });

  it('reads nothing and writes nowhere with the null device', async () => {
    const child = startProcess(['sh', '-c', 'test "$(cat)" = "" && ls -l /proc/self/fd/0 >&2'], ['ignore', 'pipe', 'pipe']);
    const stderr = collect(child.stderr);
    expect(await child.closed).toEqual({ code: 0, signal: null });
    expect(await stderr).toContain('/dev/null');
  });

  it('throws ENOENT at once for a program not on PATH', () => {
    expect(() => startProcess(['no-such-program-tsbuild'], ['ignore', 'pipe', 'pipe'])).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('refuses arguments that do not fit', () => {
    expect(() => hostAddon().spawnProcess([], [-1, -1, -1], () => undefined)).toThrow(TypeError);
    expect(() => hostAddon().spawnProcess(['true'], [-3, -1, -1], () => undefined)).toThrow(TypeError);
    expect(() => hostAddon().spawnProcess(['true'], [-1, -1, -1], undefined as never)).toThrow(TypeError);
  });
});
