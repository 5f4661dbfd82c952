import { describe, expect, it } from 'vitest';
import { compareOrder, confirmDrift } from '../../src/reconcile/drift';
import { keptFieldsOf } from '../../src/reconcile/projection';
import {
  MAX_REPAIR_ATTEMPTS,
  dueForRepair,
  recordRepairs,
  REMEMBER_MS,
} from '../../src/reconcile/repair-backoff';
import { repairByReplay } from '../../src/reconcile/repair';
import { order } from '../support/reconcile-orders';

// What a Magento-like read_order.sql returns: no erpStatus, no billing address,
// lines without discount or tax, invoices with whole-second dates.
const kept = keptFieldsOf(
  [
    'channel',
    'status',
    'currency',
    'total',
    'customer.id',
    'customer.name',
    'customer.email',
    'shippingAddress.line1',
    'shippingAddress.city',
    'shippingAddress.postalCode',
    'shippingAddress.country',
    'line.sku',
    'line.qty',
    'line.unitPrice',
    'invoice.invoiceId',
    'invoice.number',
    'invoice.amount',
    'invoice.tax',
    'invoice.currency',
  ]
    .map((name) => ({ name, wholeSeconds: false }))
    .concat([{ name: 'invoice.issuedAt', wholeSeconds: true }]),
);

/** The ERP order as a target with those columns reads it back. */
function storedLikeMagento() {
  const erp = order();
  const s = erp.snapshot;
  const { email: _e, ...customer } = s.customer as Record<string, unknown>;
  return order({
    snapshot: {
      ...s,
      customer: { ...customer, email: 'ada@example.com' },
      total: '15.0000',
      lines: [
        { sku: 'A', qty: '1.0000', unitPrice: '10.0000' },
        { sku: 'B', qty: '2.0000', unitPrice: '2.5000' },
      ],
    },
    invoices: erp.invoices.map((i) => ({ ...i, amount: `${String(i.amount)}00` })),
  });
}

describe('reconciliation compares only what the target keeps', () => {
  it('finds no drift when the ERP has fields the target never stores', () => {
    const erp = order();
    Object.assign(erp.snapshot, {
      erpStatus: 'To Deliver',
      billingAddress: { line1: 'x', city: 'y', postalCode: '1', country: 'DE' },
      lines: [
        { sku: 'A', qty: 1, unitPrice: '10.00', discount: '1.00', tax: '1.90' },
        { sku: 'B', qty: 2, unitPrice: '2.50' },
      ],
    });
    erp.invoices = erp.invoices.map((i) => ({ ...i, issuedAt: '2026-12-01T10:00:00.456Z' }));
    const target = storedLikeMagento();
    target.invoices = target.invoices.map((i) => ({ ...i, issuedAt: '2026-12-01T10:00:00.000Z' }));
    expect(compareOrder('SO-1', erp, target, kept).kinds).toEqual([]);
    // Without the projection the same pair differs: the check above is not vacuous.
    expect(compareOrder('SO-1', erp, target).kinds).toContain('differs');
  });

  it('takes an invoice date its server rounded to the nearest second (MySQL 8.4) or cut down (MariaDB)', () => {
    const erp = order();
    erp.invoices = erp.invoices.map((i) => ({ ...i, issuedAt: '2026-12-01T10:00:00.656Z' }));
    const at = (issuedAt: string) => {
      const t = order();
      t.invoices = t.invoices.map((i) => ({ ...i, issuedAt }));
      return t;
    };
    for (const pair of [null, kept] as const) {
      expect(compareOrder('SO-1', erp, at('2026-12-01 10:00:01'), pair).kinds).toEqual([]);
      expect(compareOrder('SO-1', erp, at('2026-12-01 10:00:00'), pair).kinds).toEqual([]);
      expect(compareOrder('SO-1', erp, at('2026-12-01 10:00:02'), pair).kinds).toEqual(['differs']);
    }
  });

  it('compares an invoice date to whole seconds where the target read it back without fractions, whatever the column type', () => {
    const everything = keptFieldsOf(
      ['status', 'total', 'invoice.invoiceId', 'invoice.issuedAt'].map((name) => ({
        name,
        wholeSeconds: false, // a UNION of a DATETIME and a JSON text is text
      })),
    );
    const erp = order();
    erp.invoices = erp.invoices.map((i) => ({ ...i, issuedAt: '2026-12-01T10:00:00.456Z' }));
    const at = (issuedAt: string) => {
      const t = order();
      t.invoices = t.invoices.map((i) => ({ ...i, issuedAt }));
      return t;
    };
    expect(compareOrder('SO-1', erp, at('2026-12-01T10:00:00Z'), everything).kinds).toEqual([]);
    expect(compareOrder('SO-1', erp, at('2026-12-01T10:00:01Z'), everything).kinds).toEqual([
      'differs',
    ]);
    // with fractions the target keeps milliseconds, and they must match
    expect(compareOrder('SO-1', erp, at('2026-12-01T10:00:00.000Z'), everything).kinds).toEqual([
      'differs',
    ]);
  });

  it('still finds a change to a field the target keeps', () => {
    const target = storedLikeMagento();
    (target.snapshot.customer as Record<string, unknown>).name = 'Someone Else';
    const c = compareOrder('SO-1', order(), target, kept);
    expect(c.kinds).toEqual(['differs']);
    expect(c.fields).toEqual(['customer']);
  });

  it('names the invoices the target lacks', () => {
    const target = storedLikeMagento();
    target.invoices = target.invoices.filter((i) => i.invoiceId !== 'I-2');
    const c = compareOrder('SO-1', order(), target, kept);
    expect(c.kinds).toEqual(['missing_invoice']);
    expect(c.missingInvoices).toEqual(['I-2']);
  });

  it('leaves invoices out when a side cannot list them', () => {
    const erp = order({ invoices: [], invoicesUnknown: true });
    expect(compareOrder('SO-1', erp, order()).kinds).toEqual([]);
  });
});

describe('an order whose ERP content changes while it is compared', () => {
  it('is not confirmed when the ERP content changed between the reads, even at the same version', () => {
    // The query source: a change the poll has not read yet has no version of its own.
    const target = order();
    const first = compareOrder('SO-1', order({ snapshotVersion: 3 }), target);
    const changed = order({ snapshotVersion: 3 });
    changed.snapshot.status = 'shipped';
    const again = compareOrder('SO-1', changed, target);
    expect(first.kinds).toEqual(['behind']);
    expect(again.kinds).toEqual(['behind']);
    expect(confirmDrift(first, again)).toBeNull();
    expect(confirmDrift(again, compareOrder('SO-1', changed, target))).not.toBeNull();
  });
});

describe('repair backoff', () => {
  const every = 600_000;
  it('waits twice as long after each replay, and stops after the last attempt', () => {
    const drift = [{ orderId: 'A' }];
    let backoff = {};
    let now = 0;
    const replays: number[] = [];
    for (let run = 0; run < 200; run++, now += every) {
      const { due } = dueForRepair(drift, backoff, now);
      const replayed = due.map((d) => d.orderId);
      if (replayed.length > 0) replays.push(run);
      backoff = recordRepairs(backoff, replayed, new Set(['A']), now, every);
    }
    expect(replays).toEqual([0, 2, 6, 14, 30].slice(0, MAX_REPAIR_ATTEMPTS));
  });

  it('remembers an order a run did not find drifted (it may not have looked) until REMEMBER_MS after it was last seen drifted', () => {
    const b = recordRepairs({}, ['A', 'B'], new Set(), 0, every);
    const later = recordRepairs(b, [], new Set(['B']), every, every);
    expect(Object.keys(later).sort()).toEqual(['A', 'B']);
    expect(later.A!.attempts).toBe(1);
    // A, unseen since its replay at 0, is forgotten once REMEMBER_MS has passed; B was seen at `every`.
    const gone = recordRepairs(later, [], new Set(), REMEMBER_MS, every);
    expect(Object.keys(gone)).toEqual(['B']);
    expect(Object.keys(recordRepairs(gone, [], new Set(), every + REMEMBER_MS, every))).toEqual([]);
  });

  it('counts on across sweep cycles for an unrepairable order seen only by the full sweep', () => {
    const week = 7 * 24 * 3_600_000;
    let b = recordRepairs({}, ['A'], new Set(['A']), 0, every);
    b = recordRepairs(b, [], new Set(), every, every);
    b = recordRepairs(b, ['A'], new Set(['A']), week, every);
    expect(b.A!.attempts).toBe(2);
  });
});

describe('repair of a lost invoice', () => {
  it('makes the invoices replayable before the replay, and only for missing_invoice', async () => {
    const calls: string[] = [];
    const c = compareOrder('SO-1', order(), { ...order(), invoices: [order().invoices[0]!] });
    await repairByReplay(
      [c, { ...c, orderId: 'SO-2', kinds: ['behind'], missingInvoices: undefined }],
      {
        replay: (id) => Promise.resolve(void calls.push(`replay ${id}`)),
        restoreInvoices: (id, inv) => {
          calls.push(`restore ${id} ${inv.join(',')}`);
          return Promise.resolve([...inv]);
        },
        sleep: () => Promise.resolve(),
        perSecond: 100,
      },
    );
    expect(calls).toEqual(['restore SO-1 I-1', 'replay SO-1', 'replay SO-2']);
  });
});
