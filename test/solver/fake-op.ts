// Fake ops for scheduler tests: each vertex's payload says what it outputs (a function of its inputs),
// and optionally holds it until released or fails it. The op counts executions and how many ran at once.
import type { ExecContext, Op, SolveCache, Vertex } from '../../src/solver/op.js';

export interface FakeStep {
  /** Part of the vertex's cache key besides its inputs' results (default: the vertex id). */
  definition?: string;
  /** The result from the inputs' results (default: `<definition>(<inputs>)`). */
  output?: (inputs: readonly string[]) => string;
  /** Rejects exec with this error. */
  fail?: Error;
  /** Exec waits for this before finishing (or for its signal to abort). */
  hold?: Promise<void>;
  /** The vertex has no cache key. */
  uncacheable?: boolean;
}

export type FakeVertex = Vertex<FakeStep>;

export function vertex(id: string, inputs: string[] = [], step: FakeStep = {}, extra: Partial<FakeVertex> = {}): FakeVertex {
  return { id, inputs, name: `step ${id}`, payload: step, ...extra };
}

/** A promise released by hand. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

export class FakeOp implements Op<FakeStep, string> {
  /** Ids of the vertices executed, in the order they started. */
  readonly executed: string[] = [];
  /** Abort reasons seen by executions, by vertex id. */
  readonly aborted = new Map<string, unknown>();
  running = 0;
  maxRunning = 0;
  /** Called as each execution starts, with the vertex id. */
  onExec: (id: string) => void = () => undefined;

  private definitionOf(vertex: FakeVertex): string {
    return vertex.payload.definition ?? vertex.id;
  }

  async cacheKey(vertex: FakeVertex, inputs: readonly string[]): Promise<string[] | undefined> {
    if (vertex.payload.uncacheable) return undefined;
    return [`op ${this.definitionOf(vertex)}`, ...inputs.map((input) => `input ${input}`)];
  }

  async exec(vertex: FakeVertex, inputs: readonly string[], ctx: ExecContext): Promise<string> {
    this.executed.push(vertex.id);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.onExec(vertex.id);
    ctx.signal.addEventListener('abort', () => this.aborted.set(vertex.id, ctx.signal.reason), { once: true });
    try {
      ctx.log('stdout', `running ${vertex.id}\n`);
      if (vertex.payload.hold) await Promise.race([vertex.payload.hold, untilAborted(ctx.signal)]);
      else await new Promise((resolve) => setImmediate(resolve));
      if (vertex.payload.fail) throw vertex.payload.fail;
      return vertex.payload.output?.(inputs) ?? `${this.definitionOf(vertex)}(${inputs.join(',')})`;
    } finally {
      this.running--;
    }
  }
}

/** Results by key in memory, remembering each vertex's last parts like the file-backed cache does. */
export class MemoryCache implements SolveCache<string> {
  readonly records = new Map<string, string>();
  readonly last = new Map<string, string[]>();

  async lookup(parts: string[]): Promise<string | undefined> {
    return this.records.get(JSON.stringify(parts));
  }

  async store(identity: string, parts: string[], result: string): Promise<void> {
    this.records.set(JSON.stringify(parts), result);
    this.last.set(identity, parts);
  }

  async remember(identity: string, parts: string[]): Promise<void> {
    this.last.set(identity, parts);
  }

  async explainMiss(identity: string, parts: string[]): Promise<string> {
    const previous = this.last.get(identity);
    if (!previous) return 'no previous build of this step';
    const changed = parts.filter((part) => !previous.includes(part));
    return changed.length === 0 ? 'cache record missing' : `${changed.join(', ')} changed`;
  }
}
