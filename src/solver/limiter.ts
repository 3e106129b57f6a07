// A counting semaphore for the scheduler's parallelism bound: at most `slots` holders at once, waiters
// served first come first served, and a waiter whose signal aborts leaves the queue with its reason.
export class Limiter {
  private free: number;
  private readonly waiting: { grant(): void; onAbort(): void }[] = [];

  constructor(slots: number) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`parallelism must be a positive integer, got ${slots}`);
    this.free = slots;
  }

  /** Runs `work` once a slot is free, unless `signal` aborted meanwhile; the slot is given back however it ends. */
  async run<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    await this.acquire(signal);
    try {
      signal.throwIfAborted();
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal.removeEventListener('abort', waiter.onAbort);
          resolve();
        },
        onAbort: () => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.free++;
  }
}
