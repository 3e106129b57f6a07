// The scheduler's parallelism bound on its own: slots, FIFO waiters, aborted waiters, thrown work.
import { describe, expect, it } from 'vitest';
import { Limiter } from '../../src/solver/limiter.js';
import { gate } from './fake-op.js';

describe('Limiter', () => {
  it('serves waiters in order as slots free up, and frees a slot when work throws', async () => {
    const limiter = new Limiter(1);
    const signal = new AbortController().signal;
    const order: string[] = [];
    const first = gate();
    const a = limiter.run(signal, async () => {
      order.push('a');
      await first.promise;
      throw new Error('a failed');
    });
    const b = limiter.run(signal, async () => order.push('b'));
    const c = limiter.run(signal, async () => order.push('c'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['a']);
    first.open();
    await expect(a).rejects.toThrow('a failed');
    await Promise.all([b, c]);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('drops a waiter whose signal aborts, with its reason, and never runs its work', async () => {
    const limiter = new Limiter(1);
    const held = gate();
    const running = limiter.run(new AbortController().signal, () => held.promise);
    const controller = new AbortController();
    let ran = false;
    const waiting = limiter.run(controller.signal, async () => {
      ran = true;
    });
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    held.open();
    await running;
    expect(ran).toBe(false);
    // The dropped waiter took no slot: the next one runs at once.
    await expect(limiter.run(new AbortController().signal, async () => 'next')).resolves.toBe('next');
  });

  it('refuses a bound below one', () => {
    expect(() => new Limiter(0)).toThrow(RangeError);
  });
});
