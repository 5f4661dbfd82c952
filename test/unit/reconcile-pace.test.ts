import { describe, expect, it } from 'vitest';
import { pacer } from '../../src/reconcile/pace';

/** A clock the test moves: work advances it, and so does every sleep. */
function fakeClock() {
  let t = 1_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    work: (ms: number) => void (t += ms),
    sleep: (ms: number) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    sleeps,
  };
}

describe('the reconcile pacer', () => {
  it('sleeps after each page so the run works for its duty share of the time', async () => {
    const c = fakeClock();
    const p = pacer({ duty: 0.1, paceWithinMs: 600_000, now: c.now, sleep: c.sleep });
    for (const work of [200, 50, 1_000]) {
      c.work(work);
      await p.afterPage();
    }
    expect(c.sleeps).toEqual([1_800, 450, 9_000]);
    expect(p.sleptMs).toBe(11_250);
    // Worked 1,250 ms of 12,500: the duty cycle.
    expect(1_250 / (c.now() - 1_000)).toBeCloseTo(0.1, 10);
  });

  it('never sleeps at a duty of 1', async () => {
    const c = fakeClock();
    const p = pacer({ duty: 1, paceWithinMs: 600_000, now: c.now, sleep: c.sleep });
    c.work(5_000);
    await p.afterPage();
    expect(c.sleeps).toEqual([]);
  });

  it('stops pacing once the run has spanned paceWithinMs, and caps one sleep', async () => {
    const c = fakeClock();
    const p = pacer({
      duty: 0.1,
      paceWithinMs: 30_000,
      maxSleepMs: 20_000,
      now: c.now,
      sleep: c.sleep,
    });
    c.work(5_000); // wants 45 s: capped at 20 s
    await p.afterPage();
    c.work(1_000); // at 26 s: 4 s of pacing left
    await p.afterPage();
    c.work(1_000); // past 30 s: unpaced
    await p.afterPage();
    expect(c.sleeps).toEqual([20_000, 4_000]);
  });

  it('refuses a duty cycle outside (0, 1]', () => {
    for (const duty of [0, -0.5, 1.5, Number.NaN])
      expect(() => pacer({ duty, paceWithinMs: 1, sleep: () => Promise.resolve() })).toThrow(
        /duty cycle/,
      );
  });
});
