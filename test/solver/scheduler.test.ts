// The scheduler with fake ops that count executions: caching across solves, early cutoff, dedupe,
// parallelism and its bound, failure and cancellation, and what never runs.
import { describe, expect, it } from 'vitest';
import { InternalError } from '../../src/errors.js';
import type { SolveEvent } from '../../src/solver/events.js';
import { solve, type SolveOptions } from '../../src/solver/scheduler.js';
import { FakeOp, MemoryCache, gate, vertex, type FakeStep, type FakeVertex } from './fake-op.js';

function options(op: FakeOp, cache: MemoryCache, events: SolveEvent[] = [], extra: Partial<SolveOptions<FakeStep, string>> = {}): SolveOptions<FakeStep, string> {
  return { op, cache, onEvent: (event) => events.push(event), parallelism: 4, ...extra };
}

/** a → b → d ← c: d reads b and c. */
function diamond(changes: Partial<Record<'a' | 'b' | 'c' | 'd', FakeStep>> = {}): FakeVertex[] {
  return [vertex('a', [], changes.a), vertex('b', ['a'], changes.b), vertex('c', [], changes.c), vertex('d', ['b', 'c'], changes.d)];
}

const eventsOf = (events: SolveEvent[], step: string): string[] => events.filter((e) => e.step === step).map((e) => e.type);

describe('solve', () => {
  it('hands each vertex its inputs results in order and returns every needed result', async () => {
    const op = new FakeOp();
    const { results, executed } = await solve(diamond(), ['d'], options(op, new MemoryCache()));
    expect(results.get('d')).toBe('d(b(a()),c())');
    expect([...results.keys()].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(executed).toBe(4);
  });

  it('executes nothing the second time: every vertex is a cache hit', async () => {
    const cache = new MemoryCache();
    await solve(diamond(), ['d'], options(new FakeOp(), cache));
    const op = new FakeOp();
    const events: SolveEvent[] = [];
    const { results, executed } = await solve(diamond(), ['d'], options(op, cache, events));
    expect(op.executed).toEqual([]);
    expect(executed).toBe(0);
    expect(results.get('d')).toBe('d(b(a()),c())');
    expect(events.filter((e) => e.type === 'cached').map((e) => e.step).sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('re-runs exactly the changed vertex and its dependents, saying why', async () => {
    const cache = new MemoryCache();
    await solve(diamond(), ['d'], options(new FakeOp(), cache));
    const op = new FakeOp();
    const events: SolveEvent[] = [];
    await solve(diamond({ c: { definition: 'c2' } }), ['d'], options(op, cache, events));
    expect(op.executed.sort()).toEqual(['c', 'd']);
    expect(events).toContainEqual({ type: 'running', step: 'c', reason: 'op c2 changed' });
    expect(events).toContainEqual({ type: 'running', step: 'd', reason: 'input c2() changed' });
  });

  it('cuts off early: a vertex that re-runs and gives the same result leaves its dependents cached', async () => {
    const cache = new MemoryCache();
    await solve(diamond(), ['d'], options(new FakeOp(), cache));
    const op = new FakeOp();
    const { results } = await solve(diamond({ a: { definition: 'a-touched', output: () => 'a()' } }), ['d'], options(op, cache));
    expect(op.executed).toEqual(['a']);
    expect(results.get('d')).toBe('d(b(a()),c())');
  });

  it('runs vertices with equal cache keys once and gives both the result', async () => {
    const op = new FakeOp();
    const events: SolveEvent[] = [];
    const vertices = [vertex('base'), vertex('x', ['base'], { definition: 'same' }), vertex('y', ['base'], { definition: 'same' }), vertex('top', ['x', 'y'])];
    const { results, executed } = await solve(vertices, ['top'], options(op, new MemoryCache(), events));
    expect(op.executed.filter((id) => id === 'x' || id === 'y')).toHaveLength(1);
    expect(executed).toBe(3);
    expect(results.get('x')).toBe(results.get('y'));
    expect(results.get('top')).toBe('top(same(base()),same(base()))');
    const [ran, shared] = op.executed.includes('x') ? ['x', 'y'] : ['y', 'x'];
    expect(eventsOf(events, ran)).toEqual(['started', 'running', 'log', 'done']);
    expect(eventsOf(events, shared)).toEqual(['cached']);
  });

  it('runs uncacheable vertices with the same digest once, silently for the second', async () => {
    const op = new FakeOp();
    const events: SolveEvent[] = [];
    const vertices = [
      vertex('from1', [], { uncacheable: true }, { digest: 'image busybox' }),
      vertex('from2', [], { uncacheable: true }, { digest: 'image busybox' }),
      vertex('top', ['from1', 'from2']),
    ];
    const { results, executed } = await solve(vertices, ['top'], options(op, new MemoryCache(), events));
    expect(op.executed.filter((id) => id !== 'top')).toHaveLength(1);
    expect(executed).toBe(1);
    expect(results.get('from2')).toBe(results.get('from1'));
    expect(events.filter((e) => e.type === 'started').map((e) => e.step).sort()).toEqual([op.executed[0], 'top'].sort());
  });

  it('runs independent vertices at the same time, never more than the parallelism bound', async () => {
    const op = new FakeOp();
    const held = gate();
    const vertices = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((id) => vertex(id, [], { hold: held.promise }));
    op.onExec = () => {
      if (op.running === 2) setTimeout(held.open, 20);
    };
    const events: SolveEvent[] = [];
    await solve([...vertices, vertex('all', vertices.map((v) => v.id))], ['all'], options(op, new MemoryCache(), events, { parallelism: 2 }));
    expect(op.executed).toHaveLength(7);
    expect(op.maxRunning).toBe(2);
    // Progress never shows more steps running than hold a slot.
    let shown = 0;
    let most = 0;
    for (const event of events) {
      if (event.type === 'started') most = Math.max(most, ++shown);
      if (event.type === 'done') shown--;
    }
    expect(most).toBe(2);
  });

  it('never runs vertices the targets do not need', async () => {
    const op = new FakeOp();
    await solve([...diamond(), vertex('unused', ['a']), vertex('other')], ['b'], options(op, new MemoryCache()));
    expect(op.executed.sort()).toEqual(['a', 'b']);
  });

  it('fails on the first error: running siblings are aborted with it as reason and nothing new starts', async () => {
    const op = new FakeOp();
    const events: SolveEvent[] = [];
    const boom = new Error('step f broke');
    const slow = gate();
    const failLater = gate();
    op.onExec = (id) => {
      if (id === 'slow') failLater.open();
    };
    const vertices = [
      vertex('slow', [], { hold: slow.promise }),
      vertex('f', [], { hold: failLater.promise, fail: boom }),
      vertex('queued', [], {}),
      vertex('after-slow', ['slow']),
      vertex('top', ['after-slow', 'f', 'queued']),
    ];
    await expect(solve(vertices, ['top'], options(op, new MemoryCache(), events, { parallelism: 2 }))).rejects.toBe(boom);
    expect(op.aborted.get('slow')).toBe(boom);
    expect(op.executed.sort()).toEqual(['f', 'slow']);
    expect(eventsOf(events, 'f')).toEqual(['started', 'running', 'log', 'failed']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'failed', step: 'f', message: 'step f broke' }));
    expect(eventsOf(events, 'slow')).toEqual(['started', 'running', 'log', 'canceled']);
    expect(eventsOf(events, 'queued')).toEqual([]);
    expect(eventsOf(events, 'after-slow')).toEqual([]);
  });

  it('reports a failure before execution (computing the key) as that vertex failing', async () => {
    const op = new FakeOp();
    const broken = new Error('COPY source missing');
    op.cacheKey = async () => {
      throw broken;
    };
    const events: SolveEvent[] = [];
    await expect(solve([vertex('copy')], ['copy'], options(op, new MemoryCache(), events))).rejects.toBe(broken);
    expect(eventsOf(events, 'copy')).toEqual(['started', 'failed']);
  });

  it("stops on the caller's signal: running work is aborted with its reason and the solve rejects with it", async () => {
    const op = new FakeOp();
    const caller = new AbortController();
    const interrupted = new Error('build interrupted');
    op.onExec = () => setImmediate(() => caller.abort(interrupted));
    const events: SolveEvent[] = [];
    const vertices = [vertex('long', [], { hold: new Promise(() => undefined) }), vertex('next', ['long'])];
    await expect(solve(vertices, ['next'], options(op, new MemoryCache(), events, { signal: caller.signal }))).rejects.toBe(interrupted);
    expect(op.aborted.get('long')).toBe(interrupted);
    expect(op.executed).toEqual(['long']);
    expect(eventsOf(events, 'long')).toEqual(['started', 'running', 'log', 'canceled']);
  });

  it('starts nothing when the caller has already aborted', async () => {
    const op = new FakeOp();
    const caller = new AbortController();
    caller.abort(new Error('too late'));
    await expect(solve(diamond(), ['d'], options(op, new MemoryCache(), [], { signal: caller.signal }))).rejects.toThrow('too late');
    expect(op.executed).toEqual([]);
  });

  it('treats a missing record as a miss and bypasses lookups when asked, still storing', async () => {
    const cache = new MemoryCache();
    await solve(diamond(), ['d'], options(new FakeOp(), cache));
    cache.records.delete(JSON.stringify(['op c']));
    const op = new FakeOp();
    const events: SolveEvent[] = [];
    const vertices = diamond().map((v) => (v.id === 'a' ? { ...v, bypassCache: 'cache disabled (--no-cache)' } : v));
    await solve(vertices, ['d'], options(op, cache, events));
    expect(op.executed.sort()).toEqual(['a', 'c']);
    expect(events).toContainEqual({ type: 'running', step: 'a', reason: 'cache disabled (--no-cache)' });
    expect(events).toContainEqual({ type: 'running', step: 'c', reason: 'cache record missing' });
    expect(cache.records.has(JSON.stringify(['op c']))).toBe(true);
  });

  it('emits key parts with explain, for hits and misses', async () => {
    const cache = new MemoryCache();
    const events: SolveEvent[] = [];
    await solve([vertex('a')], ['a'], options(new FakeOp(), cache, events, { explain: true }));
    await solve([vertex('a')], ['a'], options(new FakeOp(), cache, events, { explain: true }));
    expect(events.filter((e) => e.type !== 'log').map((e) => e.type)).toEqual(['started', 'explain', 'running', 'done', 'cached', 'explain']);
    expect(events).toContainEqual({ type: 'explain', step: 'a', parts: ['op a'] });
  });

  it('works out no miss reasons when nobody shows them', async () => {
    const cache = new MemoryCache();
    const explained: string[] = [];
    const explainMiss = cache.explainMiss.bind(cache);
    cache.explainMiss = async (identity, parts) => {
      explained.push(identity);
      return explainMiss(identity, parts);
    };
    const events: SolveEvent[] = [];
    const op = new FakeOp();
    await solve(diamond(), ['d'], options(op, cache, events, { explainMisses: false }));
    expect(op.executed.sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(explained).toEqual([]);
    expect(events.filter((e) => e.type === 'running')).toEqual([]);
    expect(events.filter((e) => e.type === 'done')).toHaveLength(4);
  });

  it('sends no events for hidden vertices', async () => {
    const events: SolveEvent[] = [];
    await solve([vertex('config', [], { uncacheable: true }, { hidden: true })], ['config'], options(new FakeOp(), new MemoryCache(), events));
    expect(events).toEqual([]);
  });

  it('refuses a graph with a cycle or an unknown input', async () => {
    const op = new FakeOp();
    await expect(solve([vertex('a', ['b']), vertex('b', ['a'])], ['a'], options(op, new MemoryCache()))).rejects.toThrow(InternalError);
    await expect(solve([vertex('a', ['ghost'])], ['a'], options(op, new MemoryCache()))).rejects.toThrow('vertex a has an unknown input ghost');
    expect(op.executed).toEqual([]);
  });
});
