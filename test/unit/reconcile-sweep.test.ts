import { describe, expect, it } from 'vitest';
import { compareOrder } from '../../src/reconcile/drift';
import { driftTable, summariseDrift } from '../../src/reconcile/kinds';
import type { IdScope, OrderState } from '../../src/reconcile/ports';
import { repairByReplay } from '../../src/reconcile/repair';
import { checkNow } from '../../src/reconcile/check-now';
import { everyOrderSweep, fullSweepSlice, recentSweep } from '../../src/reconcile/sweep';
import type { Sides } from '../../src/reconcile/sweep';
import {
  advanceFullSweep,
  newFullSweep,
  ordersThisRun,
  resumeFullSweep,
} from '../../src/reconcile/sweep-state';
import { order } from '../support/reconcile-orders';

const DAY = 86_400_000;
const pace = { everyMs: 600_000, fullEveryMs: 7 * DAY, pageSize: 500, maxPerRun: 20_000 };

/** Two in-memory sides; `changed` lists ERP ids newest change first. */
function fakeSides(
  erp: Map<string, OrderState>,
  target: Map<string, OrderState>,
  changed: string[] = [],
) {
  const reads = { erp: 0, target: 0 };
  const pick = (m: Map<string, OrderState>, ids: readonly string[]) =>
    new Map(ids.filter((id) => m.has(id)).map((id) => [id, structuredClone(m.get(id)!)]));
  const after = (m: Map<string, OrderState>, a: string | null, n: number, s: IdScope) =>
    [...m.keys()]
      .sort()
      .filter((id) => (a === null || id > a) && id.startsWith(s.idPrefix ?? ''))
      .slice(0, n);
  const sides: Sides = {
    erp: {
      readOrders: (ids) => {
        reads.erp++;
        return Promise.resolve(pick(erp, ids));
      },
      changedSince: (_since, pos, limit) => {
        const start = pos === null ? 0 : Number(pos);
        const ids = changed.slice(start, start + limit);
        return Promise.resolve({
          ids,
          next: start + limit < changed.length ? String(start + limit) : null,
        });
      },
      orderIdsAfter: (a, n, s) => Promise.resolve(after(erp, a, n, s)),
    },
    target: {
      readOrders: (ids) => {
        reads.target++;
        return Promise.resolve(pick(target, ids));
      },
      orderIdsAfter: (a, n, s) => Promise.resolve(after(target, a, n, s)),
    },
  };
  return { sides, reads };
}

const many = (n: number, prefix = 'SO-') =>
  new Map(
    Array.from({ length: n }, (_, i) => {
      const id = `${prefix}${String(i).padStart(5, '0')}`;
      return [id, order({ orderId: id })] as const;
    }),
  );

describe('full sweep pacing', () => {
  it('spreads the last cycle over the runs left, within the page size and the cap', () => {
    const s = { ...newFullSweep(0), lastCycleOrders: 1_008_000 };
    // 1008 runs in 7 days at 10 minutes: 1000 orders each.
    expect(ordersThisRun(s, pace, 0)).toBe(1000);
    expect(ordersThisRun(newFullSweep(0), pace, 0)).toBe(500);
    // Overdue: take the most a run may.
    expect(ordersThisRun(s, pace, 8 * DAY)).toBe(20_000);
  });

  it('covers every order of both sides in one cycle, then starts the next', async () => {
    const erp = many(1200);
    const target = many(1200);
    target.delete('SO-00007');
    target.set('SO-99999', order({ orderId: 'SO-99999' }));
    const { sides } = fakeSides(erp, target);
    let state = newFullSweep(0);
    const kinds = new Map<string, string[]>();
    for (let run = 0; run < 3; run++) {
      const r = await fullSweepSlice(sides, state, 500, {}, 500);
      for (const d of r.drift) kinds.set(d.orderId, d.kinds);
      state = advanceFullSweep(state, r.slice, run);
    }
    expect(kinds).toEqual(
      new Map([
        ['SO-00007', ['missing']],
        ['SO-99999', ['orphan']],
      ]),
    );
    expect(state.cycles).toBe(1);
    expect(state.lastCycleOrders).toBe(1200);
    expect(state.erpAfter).toBeNull();
  });

  it('resumes from an earlier run result and ignores anything else', () => {
    const s = { ...newFullSweep(5), erpAfter: 'SO-1', seen: 10 };
    expect(resumeFullSweep({ fullSweep: s }, 99)).toEqual(s);
    expect(resumeFullSweep(undefined, 99)).toEqual(newFullSweep(99));
    expect(resumeFullSweep({ nonsense: 1 }, 99)).toEqual(newFullSweep(99));
  });
});

describe('sweeps', () => {
  it('compares recent orders once each, in pages, by hash', async () => {
    const erp = many(30);
    const target = many(30);
    target.set('SO-00003', order({ orderId: 'SO-00003', snapshotVersion: 1 }));
    const changed = ['SO-00003', 'SO-00004', 'SO-00003', 'SO-00005'];
    const { sides, reads } = fakeSides(erp, target, changed);
    const r = await recentSweep(sides, new Date(0), {}, 2, undefined);
    expect(r.checked).toBe(3);
    expect(r.drift.map((d) => [d.orderId, d.kinds])).toEqual([['SO-00003', ['behind']]]);
    expect(reads.erp).toBe(reads.target);
  });

  it('a one-off check over every order in a scope reports only confirmed drift', async () => {
    const erp = many(20);
    const target = many(20);
    target.delete('SO-00002');
    const { sides } = fakeSides(erp, target);
    const waits: number[] = [];
    const inFlight = checkNow(sides, {
      scope: { idPrefix: 'SO-0000' },
      pageSize: 4,
      recheckDelayMs: 1234,
      sleep: (ms) => {
        waits.push(ms);
        // The missing order arrives while the check waits: it clears.
        target.set('SO-00002', order({ orderId: 'SO-00002' }));
        return Promise.resolve();
      },
    });
    const r = await inFlight;
    expect(waits).toEqual([1234]);
    expect(r.checked).toBe(10);
    expect(r.cleared).toBe(1);
    expect(r.drift).toEqual([]);
  });

  it('lists every order of both sides once', async () => {
    const erp = many(9);
    const target = many(9);
    target.set('SO-X', order({ orderId: 'SO-X' }));
    const { sides } = fakeSides(erp, target);
    const r = await everyOrderSweep(sides, {}, 4);
    expect(r.drift.map((d) => [d.orderId, d.kinds])).toEqual([['SO-X', ['orphan']]]);
  });
});

describe('report and repair', () => {
  it('counts by kind and lists the first orders of each', () => {
    const drift = [
      compareOrder('A', order(), undefined),
      compareOrder('B', undefined, order()),
      compareOrder('C', order(), undefined),
    ];
    const s = summariseDrift(drift);
    expect(s.counts).toMatchObject({ missing: 2, orphan: 1, behind: 0 });
    expect(s.first.missing).toEqual(['A', 'C']);
    expect(driftTable(s, 7)).toContain('7 order(s) checked, 3 drifted');
  });

  it('replays only repairable drift, at the bounded rate', async () => {
    const drift = [
      compareOrder('A', order(), undefined),
      compareOrder('B', undefined, order()),
      compareOrder('C', order({ snapshotVersion: 9 }), order()),
      compareOrder('D', order({ channel: 'fax' }), undefined),
    ];
    const replayed: string[] = [];
    const waits: number[] = [];
    const r = await repairByReplay(drift, {
      replay: (id) => {
        replayed.push(id);
        return Promise.resolve();
      },
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
      perSecond: 4,
    });
    expect(replayed).toEqual(['A', 'C']);
    expect(waits).toEqual([250]);
    expect(r).toEqual({ replayed: ['A', 'C'], left: 2 });
  });
});
