// Solves a DAG of vertices: every vertex the targets need (and no other) is keyed, looked up in the
// cache and executed when it misses, as soon as its inputs are done — independent ones in parallel,
// at most `parallelism` executions at once. Vertices with equal cache keys (or equal digests when
// they have none) run once per solve and share the result. The first failure aborts every running
// vertex with that error as the reason and nothing new starts; the solve returns only once all
// started work has settled, so nothing is left running behind a failed or interrupted build.
import { availableParallelism } from 'node:os';
import { InternalError } from '../errors.js';
import type { SolveEvent } from './events.js';
import { Limiter } from './limiter.js';
import type { Op, SolveCache, Vertex } from './op.js';

export interface SolveOptions<P, R> {
  op: Op<P, R>;
  cache: SolveCache<R>;
  onEvent(event: SolveEvent): void;
  /** The caller's cancellation (Ctrl-C): aborts the solve like a failure, with the signal's reason. */
  signal?: AbortSignal;
  /** Most executions at once; default: the number of cores. */
  parallelism?: number;
  /** Emit each cacheable vertex's key parts (`explain` events). */
  explain?: boolean;
  /**
   * Say why each executed cacheable vertex missed (`running` events); default true. Off when nobody
   * shows the reasons: comparing a 20,000-file COPY's key parts with its last ones costs ~40 ms.
   */
  explainMisses?: boolean;
}

export interface SolveResult<R> {
  /** The result of every vertex the targets needed, by id. */
  results: ReadonlyMap<string, R>;
  /** Cacheable vertices that were executed (not found in the cache nor shared within the solve). */
  executed: number;
}

/** Thrown through the graph once a vertex's error has been reported; the solve throws the first real one. */
class AlreadyReported extends Error {}

export function solve<P, R>(vertices: Iterable<Vertex<P>>, targets: readonly string[], options: SolveOptions<P, R>): Promise<SolveResult<R>> {
  return new Solve(vertices, options).run(targets);
}

class Solve<P, R> {
  private readonly vertices = new Map<string, Vertex<P>>();
  private readonly tasks = new Map<string, Promise<R>>();
  /** Work shared by vertices with the same cache key (or digest, for uncacheable ones), by that key. */
  private readonly shared = new Map<string, Promise<R>>();
  private readonly controller = new AbortController();
  private readonly limiter: Limiter;
  private firstError: { error: unknown; vertex: string } | undefined;
  private executed = 0;

  constructor(
    vertices: Iterable<Vertex<P>>,
    private readonly options: SolveOptions<P, R>,
  ) {
    for (const vertex of vertices) this.vertices.set(vertex.id, vertex);
    this.limiter = new Limiter(options.parallelism ?? availableParallelism());
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  async run(targets: readonly string[]): Promise<SolveResult<R>> {
    const needed = this.neededBy(targets);
    const caller = this.options.signal;
    const onCallerAbort = (): void => this.controller.abort(caller?.reason);
    caller?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      if (caller?.aborted) onCallerAbort();
      // Tasks are created in the caller's order, so of equal vertices the first listed does the work.
      // A task rejects only once the solve is aborted, so when all have settled either all succeeded
      // or the first error (or the caller's reason) is the answer.
      for (const id of needed) this.resultOf(id);
      await Promise.allSettled(this.tasks.values());
      if (this.firstError) throw this.firstError.error;
      if (this.signal.aborted) throw this.signal.reason;
      const results = new Map<string, R>();
      for (const [id, task] of this.tasks) results.set(id, await task);
      return { results, executed: this.executed };
    } finally {
      caller?.removeEventListener('abort', onCallerAbort);
    }
  }

  /**
   * The vertices `targets` need, in the order they were given. They are wired by id: an unknown input
   * or a cycle is a bug of whoever built the graph.
   */
  private neededBy(targets: readonly string[]): string[] {
    const done = new Set<string>();
    const visiting = new Set<string>();
    const visit = (id: string, from: string | undefined): void => {
      if (done.has(id)) return;
      const vertex = this.vertices.get(id);
      if (!vertex) throw new InternalError(from === undefined ? `target ${id} is not a vertex` : `vertex ${from} has an unknown input ${id}`);
      if (visiting.has(id)) throw new InternalError(`vertex ${id} depends on itself`);
      visiting.add(id);
      for (const input of vertex.inputs) visit(input, id);
      visiting.delete(id);
      done.add(id);
    };
    for (const id of targets) visit(id, undefined);
    return [...this.vertices.keys()].filter((id) => done.has(id));
  }

  private resultOf(id: string): Promise<R> {
    let task = this.tasks.get(id);
    if (!task) {
      task = this.solveVertex(this.vertices.get(id) as Vertex<P>);
      // Rejections are collected by run(); this keeps a task nobody awaited yet from counting as unhandled.
      task.catch(() => undefined);
      this.tasks.set(id, task);
    }
    return task;
  }

  private emit(event: SolveEvent): void {
    this.options.onEvent(event);
  }

  private async solveVertex(vertex: Vertex<P>): Promise<R> {
    // An input's failure is reported by that input; this vertex never starts.
    const inputs = await Promise.all(vertex.inputs.map((id) => this.resultOf(id)));
    this.signal.throwIfAborted();
    const progress = { started: false };
    try {
      const parts = await this.options.op.cacheKey(vertex, inputs, this.signal);
      this.signal.throwIfAborted();
      const sharedBy = parts !== undefined ? `key ${JSON.stringify(parts)}` : vertex.digest !== undefined ? `digest ${vertex.digest}` : undefined;
      const earlier = sharedBy === undefined ? undefined : this.shared.get(sharedBy);
      if (earlier) return await this.reuse(vertex, parts, earlier);
      const work = this.produce(vertex, inputs, parts, progress);
      if (sharedBy !== undefined) this.shared.set(sharedBy, work);
      return await work;
    } catch (err) {
      throw this.report(vertex, progress.started, err);
    }
  }

  /** A vertex equal to one already solved (or solving) in this solve takes its result. */
  private async reuse(vertex: Vertex<P>, parts: string[] | undefined, earlier: Promise<R>): Promise<R> {
    // The vertex that does the work reports its failure; this one only stops.
    const result = await earlier.catch(() => {
      throw new AlreadyReported();
    });
    // Only cacheable duplicates are shown (as cached); an uncacheable one is the same work under another name.
    if (parts !== undefined) {
      await this.options.cache.remember(vertex.id, parts);
      this.showCached(vertex, parts);
    }
    return result;
  }

  private showCached(vertex: Vertex<P>, parts: string[]): void {
    if (vertex.hidden) return;
    this.emit({ type: 'cached', step: vertex.id, name: vertex.name });
    if (this.options.explain) this.emit({ type: 'explain', step: vertex.id, parts });
  }

  /** Looks the vertex up in the cache, else executes it (in a slot) and stores what it gave. */
  private async produce(vertex: Vertex<P>, inputs: R[], parts: string[] | undefined, progress: { started: boolean }): Promise<R> {
    const { cache, op } = this.options;
    if (parts !== undefined && vertex.bypassCache === undefined) {
      const hit = await cache.lookup(parts);
      if (hit !== undefined) {
        await cache.remember(vertex.id, parts);
        this.showCached(vertex, parts);
        return hit;
      }
    }
    const ctx = {
      signal: this.signal,
      log: (stream: 'stdout' | 'stderr', data: string | Uint8Array) => {
        if (!vertex.hidden) this.emit({ type: 'log', step: vertex.id, stream, data, time: Date.now() });
      },
    };
    // Shown as started only once it holds a slot (and done before giving it back), so progress never
    // lists more running steps than run.
    return this.limiter.run(this.signal, async () => {
      if (!vertex.hidden) {
        this.emit({ type: 'started', step: vertex.id, name: vertex.name, time: Date.now() });
        progress.started = true;
        if (parts !== undefined) {
          if (this.options.explain) this.emit({ type: 'explain', step: vertex.id, parts });
          if (this.options.explainMisses !== false) this.emit({ type: 'running', step: vertex.id, reason: vertex.bypassCache ?? (await cache.explainMiss(vertex.id, parts)) });
        }
      }
      let result: R;
      try {
        result = await op.exec(vertex, inputs, ctx);
      } catch (err) {
        // Aborting before the slot is given back keeps a queued vertex from starting after a failure.
        this.fail(vertex.id, err);
        throw err;
      }
      if (parts !== undefined) {
        await cache.store(vertex.id, parts, result);
        this.executed++;
      }
      if (!vertex.hidden) this.emit({ type: 'done', step: vertex.id, time: Date.now() });
      return result;
    });
  }

  /** The first error of the solve aborts everything else, with it as the reason. */
  private fail(vertex: string, err: unknown): void {
    if (this.signal.aborted) return;
    this.firstError = { error: err, vertex };
    this.controller.abort(err);
  }

  /**
   * Shows how a vertex ended when it threw: failed if its error is the solve's first, canceled if it
   * was stopped by that (or by the caller). Returns what to throw on through the graph.
   */
  private report(vertex: Vertex<P>, started: boolean, err: unknown): unknown {
    if (err instanceof AlreadyReported) return err;
    this.fail(vertex.id, err);
    const time = Date.now();
    if (this.firstError?.vertex !== vertex.id) {
      if (started && !vertex.hidden) this.emit({ type: 'canceled', step: vertex.id, time });
    } else if (!vertex.hidden) {
      if (!started) this.emit({ type: 'started', step: vertex.id, name: vertex.name, time });
      this.emit({ type: 'failed', step: vertex.id, time, message: err instanceof Error ? err.message : String(err) });
    }
    return new AlreadyReported();
  }
}
