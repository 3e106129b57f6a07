// The scheduler under a real build: independent stages run their RUN steps at the same time (proved by
// the order of events, not by timing), equal steps of two stages run once, a step that re-runs but
// gives the same layer leaves its dependents cached (early cutoff), and a failing stage stops its
// still-running sibling, leaving no container or mount behind.
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { build, type BuildRequest } from '../../src/engine-build.js';
import { openEngine, type Engine } from '../../src/engine.js';
import { importRootfs } from '../../src/image/import.js';
import { parseReference } from '../../src/image/reference.js';
import type { SolveEvent } from '../../src/solver/events.js';
import { describeIf, sandboxMissing } from '../helpers/capabilities.js';
import { repoRoot } from '../helpers/paths.js';

let work: string;
let engine: Engine;

function request(contextDir: string, dockerfile: string, overrides: Partial<BuildRequest>): BuildRequest {
  return {
    input: { dockerfile: { text: dockerfile, name: 'Dockerfile' }, contextDir, ignore: undefined, consulted: [] },
    tags: [],
    buildArgs: new Map(),
    target: undefined,
    noCache: false,
    noCacheFilter: [],
    labels: new Map(),
    platform: undefined,
    secrets: new Map(),
    sshSockets: new Map(),
    network: 'default',
    extraHosts: [],
    allow: [],
    explain: false,
    ...overrides,
  };
}

/** A build event with the step's name in place of its id. */
interface StepEvent {
  type: SolveEvent['type'];
  name: string;
  reason?: string;
}

/** Builds `dockerfile`, returning its events with step ids replaced by step names. */
async function buildCollecting(dockerfile: string, overrides: Partial<BuildRequest> = {}): Promise<{ events: StepEvent[]; executed: number; error: unknown }> {
  const names = new Map<string, string>();
  const events: StepEvent[] = [];
  const onEvent = (event: SolveEvent): void => {
    if (event.type === 'started' || event.type === 'cached') names.set(event.step, event.name);
    events.push({ type: event.type, name: names.get(event.step) ?? event.step, ...(event.type === 'running' ? { reason: event.reason } : {}) });
  };
  try {
    const result = await build(engine, request(work, dockerfile, overrides), onEvent);
    return { events, executed: result.executed, error: undefined };
  } catch (error) {
    return { events, executed: -1, error };
  }
}

const indexOf = (events: StepEvent[], type: string, name: string): number => events.findIndex((e) => e.type === type && e.name === name);

const twoStages = [
  'FROM busybox AS one',
  'RUN echo one > /one && sleep 1',
  'FROM busybox AS two',
  'RUN echo two > /two && sleep 1',
  'FROM busybox AS same-as-one',
  'RUN echo one > /one && sleep 1',
  'FROM busybox',
  'COPY --from=one /one /',
  'COPY --from=two /two /',
  'COPY --from=same-as-one /one /again',
  '',
].join('\n');

describeIf('parallel build', sandboxMissing(), () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'tsbuild-parallel-build-'));
    engine = await openEngine({ ...resolveConfig({ root: join(work, 'root') }), sourceDateEpoch: undefined });
    await importRootfs(engine.images, createReadStream(join(repoRoot, '.tsbuild-bases', 'busybox.tar')), { sourceName: 'busybox.tar', ref: parseReference('busybox') });
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('runs the RUN steps of independent stages at the same time, and equal steps once', async () => {
    const { events, executed, error } = await buildCollecting(twoStages);
    expect(error).toBeUndefined();
    const runOne = '[one 2/2] RUN echo one > /one && sleep 1';
    const runTwo = '[two 2/2] RUN echo two > /two && sleep 1';
    // Each started before the other finished: they overlapped.
    expect(indexOf(events, 'started', runTwo)).toBeLessThan(indexOf(events, 'done', runOne));
    expect(indexOf(events, 'started', runOne)).toBeLessThan(indexOf(events, 'done', runTwo));
    // The third stage's RUN has the first one's key: it takes that result instead of running.
    expect(events.filter((e) => e.name === '[same-as-one 2/2] RUN echo one > /one && sleep 1').map((e) => e.type)).toEqual(['cached']);
    // FROM busybox is unpacked once for all four stages.
    expect(events.filter((e) => e.type === 'started' && e.name.includes('FROM'))).toHaveLength(1);
    expect(executed).toBe(5);
    const again = await buildCollecting(twoStages);
    expect(again.executed).toBe(0);
  }, 30_000);

  it('cuts off early: a step that re-runs with the same layer as before leaves the steps after it cached', async () => {
    const dockerfile = ['FROM busybox AS gen', 'ARG V', 'RUN echo constant > /c', 'FROM busybox', 'COPY --from=gen /c /c', 'RUN cat /c > /d', ''].join('\n');
    await buildCollecting(dockerfile, { buildArgs: new Map([['V', '1']]) });
    const { events, executed, error } = await buildCollecting(dockerfile, { buildArgs: new Map([['V', '2']]) });
    expect(error).toBeUndefined();
    expect(events.filter((e) => e.type === 'running').map((e) => e.name)).toEqual(['[gen 2/2] RUN echo constant > /c']);
    expect(executed).toBe(1);
    expect(events.filter((e) => e.type === 'cached').map((e) => e.name)).toEqual(['[stage-1 2/3] COPY --from=gen /c /c', '[stage-1 3/3] RUN cat /c > /d']);
  }, 30_000);

  it('builds stages whose steps give the same layer at the same time (both commit one snapshot)', async () => {
    const dockerfile = ['FROM busybox AS a', 'ARG N', 'RUN echo $N > /f', 'FROM busybox AS b', 'ARG N', 'RUN printf "$N\\n" > /f', 'FROM busybox', 'COPY --from=a /f /a', 'COPY --from=b /f /b', ''].join('\n');
    // Different keys, equal layers: before commits tolerated a parallel twin, most of these failed.
    for (const n of ['1', '2', '3', '4', '5']) {
      const { error, executed } = await buildCollecting(dockerfile, { buildArgs: new Map([['N', n]]) });
      expect(error).toBeUndefined();
      expect(executed).toBe(4);
    }
  }, 60_000);

  it('treats corrupt cache records as misses: the steps run again and the build succeeds', async () => {
    const dockerfile = ['FROM busybox', 'RUN echo a > /a', 'RUN echo b > /b', ''].join('\n');
    await buildCollecting(dockerfile);
    // Whatever the record format, garbage in every file of the build cache (cache mounts aside).
    for (const entry of await readdir(engine.paths.cache, { recursive: true, withFileTypes: true })) {
      if (entry.isFile() && !join(entry.parentPath, entry.name).startsWith(join(engine.paths.cache, 'mounts'))) await writeFile(join(entry.parentPath, entry.name), '{"version": 1, "sta');
    }
    const { error, executed } = await buildCollecting(dockerfile);
    expect(error).toBeUndefined();
    expect(executed).toBe(2);
    expect((await buildCollecting(dockerfile)).executed).toBe(0);
  }, 30_000);

  it('re-runs only the stages --no-cache-filter names, saying so', async () => {
    const dockerfile = ['FROM busybox AS deps', 'RUN echo deps > /deps', 'FROM busybox', 'COPY --from=deps /deps /', 'RUN echo app > /app', ''].join('\n');
    await buildCollecting(dockerfile);
    const { events, executed } = await buildCollecting(dockerfile, { noCacheFilter: ['deps'] });
    expect(events.filter((e) => e.type === 'running')).toEqual([{ type: 'running', name: '[deps 2/2] RUN echo deps > /deps', reason: 'cache disabled (--no-cache-filter deps)' }]);
    // Its layer is the same as before, so what follows is still cached.
    expect(executed).toBe(1);
  }, 30_000);

  it('serialises parallel RUN steps on a sharing=locked cache mount', async () => {
    // Each step fails if it finds the other inside the cache; they differ (a, b) so both really run.
    const locked = (name: string): string =>
      `RUN --mount=type=cache,id=shared-lock,target=/c,sharing=locked sh -c 'test ! -e /c/busy || exit 9; touch /c/busy; sleep 1; rm /c/busy; echo ${name} > /${name}'`;
    const dockerfile = ['FROM busybox AS a', locked('a'), 'FROM busybox AS b', locked('b'), 'FROM busybox', 'COPY --from=a /a /', 'COPY --from=b /b /', ''].join('\n');
    const { error, executed } = await buildCollecting(dockerfile);
    expect(error).toBeUndefined();
    expect(executed).toBe(4);
  }, 30_000);

  it('stops a running sibling stage when another fails, and leaves no container or mount', async () => {
    // `sleep 6161`: a command line no other suite looks for with pgrep (runc.test.ts checks for `sleep 30`).
    const { events, error } = await buildCollecting(
      ['FROM busybox AS slow', 'RUN echo waiting; sleep 6161', 'FROM busybox AS broken', 'RUN sleep 0.5; exit 7', 'FROM busybox', 'COPY --from=slow /etc/passwd /a', 'COPY --from=broken /etc/passwd /b', ''].join('\n'),
    );
    expect((error as Error).message).toContain('exit code: 7');
    expect(events).toContainEqual({ type: 'failed', name: '[broken 2/2] RUN sleep 0.5; exit 7' });
    expect(events).toContainEqual({ type: 'canceled', name: '[slow 2/2] RUN echo waiting; sleep 6161' });
    expect(events.some((e) => e.name.includes('COPY'))).toBe(false);
    expect(execFileSync('mount', { encoding: 'utf8' })).not.toContain(work);
    expect(execFileSync('runc', ['--root', engine.paths.runtime, 'list', '-q'], { encoding: 'utf8' }).trim()).toBe('');
  }, 20_000);
});
