import { describe, expect, it } from 'vitest';
import { nextWatchWait, pollWatchDeadline } from '../../src/erp/poll-settings';

describe('pollWatchDeadline: until when a caught-up Schedule run watches the change log', () => {
  // The Schedule's runs fall due on multiples of the interval since the epoch.
  const grid = 1_800_000_000_000;

  it('closes a quarter interval (500 ms to 1 s) before the last run due within its budget', () => {
    // Every second, started 200 ms after its due time, 20 s of budget: it closes 500 ms
    // before the run due at +20 s.
    expect(pollWatchDeadline(grid + 200, 1000, grid + 20_200)).toBe(grid + 20_000 - 500);
    // Every 5 s: 1 s before +20 s.
    expect(pollWatchDeadline(grid + 200, 5000, grid + 20_200)).toBe(grid + 19_000);
    // Every 3 s: 750 ms before +18 s (21 s would need the run to close after its budget).
    expect(pollWatchDeadline(grid + 200, 3000, grid + 20_200)).toBe(grid + 18_000 - 750);
  });

  it('keys on the due times, not on when the run happened to start', () => {
    // Started 900 ms late (a busy server) with the same budget end: the same close.
    expect(pollWatchDeadline(grid + 900, 1000, grid + 20_200)).toBe(grid + 19_500);
    // A triggered run started between two due times closes before a due time too.
    const d = pollWatchDeadline(grid + 2_345, 1000, grid + 22_345);
    expect((d + 500) % 1000).toBe(0);
  });

  it('never passes the budget, however the intervals fall', () => {
    for (const every of [1000, 1500, 5000, 7000, 30_000])
      for (const late of [0, 150, 999, 4000])
        for (const budget of [700, 3000, 20_000, 90_000]) {
          const start = grid + late;
          expect(pollWatchDeadline(start, every, start + budget)).toBeLessThanOrEqual(
            start + budget,
          );
        }
  });

  it('watches the whole budget when no run falls due before it ends', () => {
    expect(pollWatchDeadline(grid + 300, 60_000, grid + 20_300)).toBe(grid + 20_300);
  });

  it('gives a deadline already past when a run is due before the run could watch', () => {
    // Started 1.9 s after its due time on a 1 s interval, 400 ms of budget: the run due
    // at +2 s is the last that fits, and its margin began at +1.5 s.
    expect(pollWatchDeadline(grid + 1900, 1000, grid + 2300)).toBe(grid + 1500);
  });
});

describe('nextWatchWait: the pause before the next read', () => {
  it('waits the re-read period while it fits, then exactly to the deadline, then stops', () => {
    expect(nextWatchWait(0, 1000, 5000)).toBe(1000);
    expect(nextWatchWait(4200, 1000, 5000)).toBe(800);
    expect(nextWatchWait(5000, 1000, 5000)).toBeNull();
    expect(nextWatchWait(6000, 1000, 5000)).toBeNull();
  });

  it('never waits when re-reading is off', () => {
    expect(nextWatchWait(0, 0, 5000)).toBeNull();
  });
});
