// What a solve reports while it runs, one event at a time: the CLI renders them (src/cli/progress.ts)
// and tests assert on their order. `step` is the vertex id; a vertex that ran reports
// started → [explain] → running → log* → done | failed | canceled, a reused one cached → [explain].
export type SolveEvent =
  | { type: 'started'; step: string; name: string; time: number }
  /** Why the step runs (a cache miss explained), e.g. `file src/app.js changed`. */
  | { type: 'running'; step: string; reason: string }
  | { type: 'cached'; step: string; name: string }
  /** --explain: the named parts of the step's cache key. */
  | { type: 'explain'; step: string; parts: string[] }
  | { type: 'log'; step: string; stream: 'stdout' | 'stderr'; data: string | Uint8Array; time: number }
  | { type: 'done'; step: string; time: number }
  | { type: 'failed'; step: string; time: number; message: string }
  /** The step was stopped because another one failed or the build was interrupted. */
  | { type: 'canceled'; step: string; time: number };
