import { describe, expect, it } from 'vitest';
import { planApply, rejectAt } from '../../src/contracts/apply-plan';
import type { CurrentOrder, PlanInput } from '../../src/contracts/apply-plan';
import type { OrderEvent } from '../../src/contracts/events';
import { orderHistory } from '../support/order-events';

const ORDER = 'SO/2025-26/000123';
const [create, update, invoice] = orderHistory(ORDER, 1) as [OrderEvent, OrderEvent, OrderEvent];

const plan = (events: OrderEvent[], extra: Partial<PlanInput> = {}) =>
  planApply({
    orderId: ORDER,
    events,
    order: null,
    ledger: new Map(),
    invoices: new Map(),
    ...extra,
  });
const outcomes = (p: ReturnType<typeof plan>) =>
  p.steps.map((s) =>
    s.outcome.outcome === 'skipped' ? `skipped:${s.outcome.reason}` : s.outcome.outcome,
  );

const afterInvoiceV3: CurrentOrder = {
  erpVersion: 3,
  snapshotVersion: 1,
  lastEventType: 'invoice_creation',
  currency: 'INR',
};

describe('planApply', () => {
  it('applies creation, update and invoice of a new order, inserting once', () => {
    const p = plan([create, update, invoice]);
    expect(outcomes(p)).toEqual(['applied', 'applied', 'applied']);
    expect(p.steps.map((s) => s.write?.kind === 'snapshot' && s.write.insert)).toEqual([
      true,
      false,
      false,
    ]);
    expect(p.order).toMatchObject({
      exists: true,
      erpVersion: 3,
      snapshotVersion: 2,
      invoiced: true,
    });
  });

  it('applies a snapshot older than an applied invoice but newer than the applied snapshot', () => {
    const p = plan([update], {
      order: afterInvoiceV3,
      invoices: new Map([[`INV-${ORDER}`, ORDER]]),
    });
    expect(outcomes(p)).toEqual(['applied']);
    expect(p.steps[0]!.write).toMatchObject({ kind: 'snapshot', insert: false, erpVersion: 3 });
    expect(p.order).toMatchObject({
      erpVersion: 3,
      snapshotVersion: 2,
      lastEventType: 'invoice_creation',
      invoiced: true,
    });
  });

  it('skips a snapshot not newer than the applied snapshot as stale, and records it', () => {
    const p = plan([create], { order: { ...afterInvoiceV3, snapshotVersion: 2 } });
    expect(outcomes(p)).toEqual(['skipped:stale']);
    expect(p.steps[0]!.record).toBe(true);
  });

  it('treats a ledger hit of this order as a duplicate without a new ledger row, also within a batch', () => {
    const p = plan([create, create], {
      ledger: new Map([[create.eventId, { orderId: ORDER, stale: false }]]),
    });
    expect(outcomes(p)).toEqual(['skipped:duplicate', 'skipped:duplicate']);
    expect(p.steps.every((s) => !s.record)).toBe(true);
    expect(outcomes(plan([create, create]))).toEqual(['applied', 'skipped:duplicate']);
  });

  it('defers an invoice before its order and skips a known invoice id as a duplicate', () => {
    expect(outcomes(plan([invoice]))).toEqual(['deferred']);
    const known = plan([{ ...invoice, eventId: 'other' }], {
      order: afterInvoiceV3,
      invoices: new Map([[`INV-${ORDER}`, ORDER]]),
    });
    expect(outcomes(known)).toEqual(['skipped:duplicate']);
  });

  it('rejects bad data and stops there, keeping what came before', () => {
    const bad = { ...update, data: { ...update.data, total: '1.00' } } as OrderEvent;
    const p = plan([create, bad, invoice]);
    expect(outcomes(p)).toEqual(['applied', 'rejected']);
    expect(p.order).toMatchObject({ snapshotVersion: 1 });
  });

  it.each<[string, Partial<PlanInput>, OrderEvent]>([
    ['an event of another order', {}, { ...create, orderId: 'SO-OTHER' }],
    [
      'an event id the ledger holds for another order',
      { ledger: new Map([[create.eventId, { orderId: 'X', stale: false }]]) },
      create,
    ],
  ])('rejects %s', (_label, extra, event) => {
    expect(outcomes(plan([event], extra))).toEqual(['rejected']);
  });

  it('rejects an invoice whose id belongs to another order, or in another currency', () => {
    const created = { ...afterInvoiceV3, erpVersion: 1, lastEventType: 'order_creation' as const };
    expect(
      outcomes(plan([invoice], { order: created, invoices: new Map([[`INV-${ORDER}`, 'X']]) })),
    ).toEqual(['rejected']);
    expect(outcomes(plan([invoice], { order: { ...created, currency: 'USD' } }))).toEqual([
      'rejected',
    ]);
  });

  it('decides again an event the ledger recorded as stale, and applies it when the guard allows', () => {
    const ledger = new Map([[update.eventId, { orderId: ORDER, stale: true }]]);
    const p = plan([update], { order: afterInvoiceV3, ledger });
    expect(outcomes(p)).toEqual(['applied']);
    expect(p.steps[0]!.record).toBe(true);
    const still = plan([update], { order: { ...afterInvoiceV3, snapshotVersion: 2 }, ledger });
    expect(outcomes(still)).toEqual(['skipped:stale']);
    expect(still.steps[0]!.record).toBe(false);
  });

  it('skips superseded snapshots and records them', () => {
    const p = plan([create, update], { supersede: [create.eventId] });
    expect(outcomes(p)).toEqual(['skipped:superseded', 'applied']);
    expect(p.steps[0]!.record).toBe(true);
  });

  it('checks totals exactly for amounts near 10^12', () => {
    const big = {
      ...create,
      data: {
        ...(create.data as object),
        lines: [{ sku: 'S', qty: 3, unitPrice: '333333333333.33' }],
        total: '999999999999.99',
      },
    } as OrderEvent;
    expect(outcomes(plan([big]))).toEqual(['applied']);
  });

  it('rejectAt cuts the plan at a step the target refused, with the state before it', () => {
    const p = rejectAt(plan([create, update, invoice]), 1, 'too long');
    expect(outcomes(p)).toEqual(['applied', 'rejected']);
    expect(p.order).toMatchObject({ snapshotVersion: 1, erpVersion: 1 });
  });
});
