import { describe, expect, it } from 'vitest';
import { countOrderingViolations } from '../../src/verify';

const a = (orderId: string, version: number) => ({ orderId, version });

describe('countOrderingViolations', () => {
  it('finds none when every order is applied in rising versions, interleaved across orders', () => {
    expect(countOrderingViolations([a('A', 1), a('B', 1), a('A', 2), a('B', 3), a('A', 5)])).toBe(
      0,
    );
  });

  it('counts each apply that comes after a newer one of the same order, repeats included', () => {
    // A3 then A1 and A2 (both older than 3), and A3 again: three violations; B is fine.
    expect(
      countOrderingViolations([a('A', 3), a('B', 1), a('A', 1), a('A', 2), a('A', 3), a('B', 2)]),
    ).toBe(3);
  });

  it('without repeats, counts only older versions: a second apply of the same one is not a violation', () => {
    // A3, A1 (older), A2 (older), A3 again (a repeat, counted as applied twice elsewhere).
    expect(
      countOrderingViolations([a('A', 3), a('B', 1), a('A', 1), a('A', 2), a('A', 3), a('B', 2)], {
        repeats: false,
      }),
    ).toBe(2);
  });
});
