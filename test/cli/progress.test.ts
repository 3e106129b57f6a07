import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, type ProgressEvent } from '../../src/cli/progress.js';

async function render(mode: 'plain' | 'quiet', events: ProgressEvent[]): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const progress = await createProgress(mode, out);
  for (const event of events) progress.handle(event);
  progress.finish();
  return text;
}

describe('plain progress', () => {
  it('numbers steps and prints cached, running reasons, timed output and durations like BuildKit', async () => {
    const text = await render('plain', [
      { type: 'cached', step: 'a', name: '[1/3] FROM docker.io/library/busybox:latest' },
      { type: 'started', step: 'b', name: '[2/3] RUN make', time: 1000 },
      { type: 'explain', step: 'b', parts: ['op run', 'file src/app.js xxh64:0f3c'] },
      { type: 'running', step: 'b', reason: 'file src/app.js changed' },
      { type: 'log', step: 'b', stream: 'stdout', data: 'building\npart', time: 1512 },
      { type: 'log', step: 'b', stream: 'stderr', data: 'ial\n', time: 1700 },
      { type: 'done', step: 'b', time: 1800 },
    ]);
    expect(text).toBe(
      [
        '#1 [1/3] FROM docker.io/library/busybox:latest',
        '#1 CACHED',
        '',
        '#2 [2/3] RUN make',
        '#2 key: op run',
        '#2 key: file src/app.js xxh64:0f3c',
        '#2 running: file src/app.js changed',
        '#2 0.512 building',
        '#2 0.700 partial',
        '#2 DONE 0.8s',
        '',
      ].join('\n'),
    );
  });

  it('keeps steps that run at the same time apart by their number, and marks canceled ones', async () => {
    const text = await render('plain', [
      { type: 'started', step: 'a', name: '[one 2/2] RUN make', time: 0 },
      { type: 'started', step: 'b', name: '[two 2/2] RUN make', time: 0 },
      { type: 'log', step: 'a', stream: 'stdout', data: 'from one\n', time: 100 },
      { type: 'log', step: 'b', stream: 'stdout', data: 'from two\n', time: 200 },
      { type: 'done', step: 'b', time: 300 },
      { type: 'canceled', step: 'a', time: 400 },
    ]);
    expect(text).toBe(['#1 [one 2/2] RUN make', '', '#2 [two 2/2] RUN make', '#1 0.100 from one', '#2 0.200 from two', '#2 DONE 0.3s', '#1 CANCELED', ''].join('\n'));
  });

  it('prints the whole output of a failed step, however long', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    const text = await render('quiet', [
      { type: 'started', step: 'x', name: '[2/2] RUN false', time: 0 },
      { type: 'log', step: 'x', stream: 'stdout', data: `${lines.join('\n')}\n`, time: 10 },
      { type: 'failed', step: 'x', time: 20, message: 'process "/bin/sh -c false" did not complete successfully: exit code: 1' },
    ]);
    expect(text.startsWith('#1 ERROR: process "/bin/sh -c false" did not complete successfully: exit code: 1\n------\n > [2/2] RUN false:\nline 0\n')).toBe(true);
    expect(text.endsWith('line 4999\n------\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(5000 + 5);
  });
});

describe('tty progress', () => {
  it('keeps one line per finished or canceled step and prints a failed step in full', async () => {
    // A terminal as ora drives one: cursor moves and line clears are escape sequences in the text.
    const out = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 80,
      cursorTo: (_x: number, callback?: () => void) => (callback?.(), true),
      moveCursor: (_dx: number, _dy: number, callback?: () => void) => (callback?.(), true),
      clearLine: (_dir: number, callback?: () => void) => (callback?.(), true),
    });
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const progress = await createProgress('auto', out);
    progress.handle({ type: 'cached', step: 'a', name: '[1/3] FROM busybox' });
    progress.handle({ type: 'started', step: 'b', name: '[2/3] RUN make', time: 0 });
    progress.handle({ type: 'log', step: 'b', stream: 'stdout', data: 'compiling\n', time: 100 });
    progress.handle({ type: 'done', step: 'b', time: 1500 });
    progress.handle({ type: 'started', step: 'p', name: '[other 2/2] RUN sleep 9', time: 0 });
    progress.handle({ type: 'started', step: 'c', name: '[3/3] RUN test', time: 1500 });
    progress.handle({ type: 'log', step: 'c', stream: 'stderr', data: 'assertion failed\n', time: 1600 });
    progress.handle({ type: 'failed', step: 'c', time: 1700, message: 'process "/bin/sh -c test" did not complete successfully: exit code: 1' });
    progress.handle({ type: 'canceled', step: 'p', time: 1800 });
    progress.finish();
    expect(text).toContain('✔ [1/3] FROM busybox CACHED\n');
    expect(text).toContain('✔ [2/3] RUN make 1.5s\n');
    expect(text).toContain('- [other 2/2] RUN sleep 9 CANCELED\n');
    expect(text).toContain('✖ [3/3] RUN test\n#4 ERROR: process "/bin/sh -c test" did not complete successfully: exit code: 1\n------\n > [3/3] RUN test:\nassertion failed\n------\n');
  });

  it('says it shows miss reasons only in plain mode, so other builds skip working them out', async () => {
    expect((await createProgress('plain', new PassThrough())).showsMissReasons).toBe(true);
    expect((await createProgress('quiet', new PassThrough())).showsMissReasons).toBe(false);
    const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
    expect((await createProgress('tty', terminal)).showsMissReasons).toBe(false); // nothing drawn before the first step
  });

  it('falls back to plain lines on a terminal that reports no width (ora would redraw forever)', async () => {
    for (const mode of ['auto', 'tty'] as const) {
      const out = Object.assign(new PassThrough(), { isTTY: true, columns: 0 });
      let text = '';
      out.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const progress = await createProgress(mode, out);
      progress.handle({ type: 'started', step: 'b', name: '[1/1] RUN make', time: 0 });
      progress.handle({ type: 'done', step: 'b', time: 1500 });
      progress.finish();
      expect(text).toBe('#1 [1/1] RUN make\n#1 DONE 1.5s\n');
    }
  });
});
