// Build progress for people: BuildKit-style plain lines (`#4 [2/5] RUN make`, `#4 0.512 output`,
// `#4 CACHED`, `#4 DONE 0.8s`) when output is not a terminal, one ora spinner listing the running
// steps on a terminal, nothing but errors in quiet mode. A failed step's whole output is printed.
// The only importer of ora.
import type { Ora } from 'ora';
import type { SolveEvent } from '../solver/events.js';

/** What the renderer shows: the build's events (src/solver/events.ts). */
export type ProgressEvent = SolveEvent;

export type ProgressMode = 'auto' | 'plain' | 'tty' | 'quiet';

export interface ProgressRenderer {
  /** Whether it prints why a step runs (`running` events): the build skips working that out otherwise. */
  readonly showsMissReasons: boolean;
  handle(event: ProgressEvent): void;
  /** Stops spinners; call once when the build ends, whatever its outcome. */
  finish(): void;
}

interface StepState {
  number: number;
  name: string;
  started: number;
  /** Complete output lines with their time since the step started. */
  lines: string[];
  partial: string;
}

/**
 * Spinners need a terminal with a width. A pty nobody sized (`script` run without a terminal, some CI
 * runners) reports 0 columns, and ora then redraws forever: such a terminal gets plain lines.
 */
function canDrawSpinners(out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }): boolean {
  return out.isTTY === true && (out.columns ?? 0) > 0;
}

export async function createProgress(mode: ProgressMode, out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }): Promise<ProgressRenderer> {
  const resolved = (mode === 'auto' || mode === 'tty') && !canDrawSpinners(out) ? 'plain' : mode === 'auto' ? 'tty' : mode;
  if (resolved === 'quiet') return new StepLog(out, 'quiet');
  // ora and its terminal helpers take ~60 ms to load: only a terminal pays for them, never CI.
  if (resolved === 'tty') return new SpinnerProgress(out, (await import('ora')).default);
  return new StepLog(out, 'plain');
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** Keeps per-step state and splits output into lines; subclasses decide what to show. */
class StepLog implements ProgressRenderer {
  protected readonly steps = new Map<string, StepState>();
  private counter = 0;

  readonly showsMissReasons: boolean;

  constructor(
    protected readonly out: NodeJS.WritableStream,
    private readonly style: 'plain' | 'quiet',
  ) {
    this.showsMissReasons = style === 'plain';
  }

  protected step(id: string, name: string, time: number): StepState {
    let state = this.steps.get(id);
    if (!state) {
      state = { number: ++this.counter, name, started: time, lines: [], partial: '' };
      this.steps.set(id, state);
    }
    return state;
  }

  handle(event: ProgressEvent): void {
    switch (event.type) {
      case 'started': {
        const state = this.step(event.step, event.name, event.time);
        this.printHeader(state);
        return;
      }
      case 'running': {
        const state = this.steps.get(event.step);
        if (state) this.print(`#${state.number} running: ${event.reason}`);
        return;
      }
      case 'cached': {
        const state = this.step(event.step, event.name, Date.now());
        this.printHeader(state);
        this.print(`#${state.number} CACHED`);
        return;
      }
      case 'explain': {
        const state = this.steps.get(event.step);
        if (state) for (const part of event.parts) this.print(`#${state.number} key: ${part}`);
        return;
      }
      case 'log': {
        const state = this.steps.get(event.step);
        if (!state) return;
        const text = state.partial + (typeof event.data === 'string' ? event.data : Buffer.from(event.data).toString('utf8'));
        const parts = text.split('\n');
        state.partial = parts.pop() ?? '';
        const offset = ((event.time - state.started) / 1000).toFixed(3);
        for (const line of parts) {
          state.lines.push(line);
          this.print(`#${state.number} ${offset} ${line}`);
        }
        return;
      }
      case 'done': {
        const state = this.steps.get(event.step);
        if (!state) return;
        this.flushPartial(state, event.time);
        this.print(`#${state.number} DONE ${seconds(event.time - state.started)}s`);
        return;
      }
      case 'failed': {
        const state = this.steps.get(event.step);
        if (!state) return;
        this.flushPartial(state, event.time);
        this.printFailure(state, event.message);
        return;
      }
      case 'canceled': {
        const state = this.steps.get(event.step);
        if (!state) return;
        this.flushPartial(state, event.time);
        this.print(`#${state.number} CANCELED`);
        return;
      }
    }
  }

  private flushPartial(state: StepState, time: number): void {
    if (state.partial === '') return;
    state.lines.push(state.partial);
    this.print(`#${state.number} ${((time - state.started) / 1000).toFixed(3)} ${state.partial}`);
    state.partial = '';
  }

  /** BuildKit's failure block: the error, then the step's whole output between rules. */
  protected printFailure(state: StepState, message: string): void {
    const block = [`#${state.number} ERROR: ${message}`, '------', ` > ${state.name}:`, ...state.lines, '------'];
    this.out.write(`${block.join('\n')}\n`);
  }

  private printedAny = false;

  /** A step's first line; a blank line separates steps, as BuildKit's plain output does. */
  private printHeader(state: StepState): void {
    this.print(`${this.printedAny ? '\n' : ''}#${state.number} ${state.name}`);
  }

  protected print(text: string): void {
    if (this.style !== 'plain') return;
    this.printedAny = true;
    this.out.write(`${text}\n`);
  }

  finish(): void {}
}

/** On a terminal: finished steps as lines, the running ones under a spinner with their last output line. */
class SpinnerProgress extends StepLog {
  private readonly spinner: Ora;
  private readonly running = new Set<string>();

  constructor(out: NodeJS.WritableStream, ora: typeof import('ora').default) {
    super(out, 'quiet');
    this.spinner = ora({ stream: out as NodeJS.WriteStream, discardStdin: false });
  }

  override handle(event: ProgressEvent): void {
    super.handle(event);
    const state = this.steps.get(event.step);
    if (!state) return;
    if (event.type === 'started') this.running.add(event.step);
    if (event.type === 'cached') this.persist(`✔ ${state.name} CACHED`);
    if (event.type === 'done') {
      this.running.delete(event.step);
      this.persist(`✔ ${state.name} ${seconds(event.time - state.started)}s`);
    }
    if (event.type === 'failed' || event.type === 'canceled') this.running.delete(event.step);
    if (event.type === 'canceled') this.persist(`- ${state.name} CANCELED`);
    this.refresh();
  }

  protected override printFailure(state: StepState, message: string): void {
    this.spinner.stop();
    this.out.write(`✖ ${state.name}\n`);
    super.printFailure(state, message);
  }

  private persist(line: string): void {
    this.spinner.clear();
    this.out.write(`${line}\n`);
  }

  private refresh(): void {
    const lines = [...this.running].map((id) => {
      const state = this.steps.get(id) as StepState;
      const last = state.partial || state.lines.at(-1) || '';
      return last === '' ? state.name : `${state.name}\n   ${last.slice(0, 120)}`;
    });
    if (lines.length === 0) {
      this.spinner.stop();
      return;
    }
    this.spinner.text = lines.join('\n');
    if (!this.spinner.isSpinning) this.spinner.start();
  }

  override finish(): void {
    this.spinner.stop();
  }
}
