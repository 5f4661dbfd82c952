import { describe, expect, it } from 'vitest';
import { pollWatchDeadline } from '../../src/erp/poll-settings';

describe('pollWatchDeadline: until when a caught-up Schedule run watches the change log', () => {
  const due = 1_000_000;

  it('closes a quarter interval before the last run due within its budget', () => {
    // Every second, started 200 ms late with 20 s of budget: runs due at +1 s … +20 s fall
    // inside; it closes 250 ms before the one due at +20 s.
    expect(pollWatchDeadline(due, 1000, due + 200 + 20_000)).toBe(due + 20_000 - 250);
    // Every 5 s: closes 1 s before +20 s (the margin is at most 1 s).
    expect(pollWatchDeadline(due, 5000, due + 200 + 20_000)).toBe(due + 19_000);
  });

  it('keeps the margin between 250 ms and 1 s', () => {
    expect(pollWatchDeadline(due, 400, due + 1000)).toBe(due + 1200 - 250);
    expect(pollWatchDeadline(due, 60_000, due + 600_000)).toBe(due + 600_000 - 1000);
  });

  it('never passes the budget, however the intervals fall', () => {
    for (const every of [250, 1000, 1500, 5000, 7000, 30_000])
      for (const late of [0, 150, 999, 4000])
        for (const budget of [700, 3000, 20_000, 90_000]) {
          const end = due + late + budget;
          const deadline = pollWatchDeadline(due, every, end);
          expect(deadline).toBeLessThanOrEqual(end);
        }
  });

  it('watches the whole budget when the interval is longer than it', () => {
    expect(pollWatchDeadline(due, 60_000, due + 300 + 20_000)).toBe(due + 20_300);
  });

  it('returns a deadline already past when the run started after its window (nothing to watch)', () => {
    // Started 1.9 s late for a 1 s interval with 500 ms of budget: the end (+2.4 s) is before
    // the margin of the run due at +3 s, so the run due at +2 s is the last that fits: +1.75 s.
    expect(pollWatchDeadline(due, 1000, due + 2400)).toBe(due + 1750);
  });
});
