// What the scheduler (scheduler.ts) is given to solve: vertices wired by input ids, the Op that keys
// and executes them, and the cache it consults. Generic over the result type; nothing here knows a
// Dockerfile — src/engine-build.ts adapts the instruction graph and the ops to these shapes.

/** One unit of work. Its inputs are other vertices of the same solve, by id, in the order exec sees them. */
export interface Vertex<P> {
  id: string;
  inputs: readonly string[];
  /** Shown in progress, e.g. `[build 2/4] RUN make`. */
  name: string;
  /** Cheap bookkeeping vertices (config instructions, FROM an earlier stage) send no events. */
  hidden?: boolean;
  /**
   * In-flight identity for vertices without a cache key (BuildKit's vertex digest): two vertices with
   * the same digest in one solve run once and share the result. Cacheable vertices are deduplicated
   * by their cache key instead.
   */
  digest?: string;
  /** Set to skip cache lookups for this vertex, saying why (--no-cache); its result is still stored. */
  bypassCache?: string;
  /** What the Op needs to do the work (for tsbuild: the graph's step). */
  payload: P;
}

export interface ExecContext {
  /** Aborted when the solve fails elsewhere or the caller cancels; the reason says which. */
  signal: AbortSignal;
  /** Output of the work, forwarded as `log` events. */
  log(stream: 'stdout' | 'stderr', data: string | Uint8Array): void;
}

export interface Op<P, R> {
  /**
   * The named parts of the vertex's cache key, made of its definition and its inputs' results (so a
   * re-run giving an equal result keeps its dependents' keys: early cutoff), or undefined when the
   * vertex is not cached at all. May throw: that fails the vertex like exec does.
   */
  cacheKey(vertex: Vertex<P>, inputs: readonly R[], signal: AbortSignal): Promise<string[] | undefined>;
  exec(vertex: Vertex<P>, inputs: readonly R[], ctx: ExecContext): Promise<R>;
}

/**
 * Results by cache key across solves. `identity` is the vertex id: what the same step used last time
 * is kept under it, so a miss can be explained against it. A record that is missing, corrupt or whose
 * data is gone is a miss (lookup gives undefined), never an error.
 */
export interface SolveCache<R> {
  lookup(parts: string[]): Promise<R | undefined>;
  /** Keeps `result` under `parts`, and `parts` as the last ones of `identity`. */
  store(identity: string, parts: string[], result: R): Promise<void>;
  /** Notes the parts of a hit, so the next miss is explained against this solve. */
  remember(identity: string, parts: string[]): Promise<void>;
  /** Why `parts` missed, in people's words ("file src/app.js changed", "no previous build of this step"). */
  explainMiss(identity: string, parts: string[]): Promise<string>;
}
