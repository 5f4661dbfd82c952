import { describe, expect, it } from 'vitest';
import {
  amountAt,
  canonicalOrder,
  currencyExponent,
  orderHash,
} from '../../src/reconcile/canonical';
import { compareOrder, confirmDrift, repairable } from '../../src/reconcile/drift';
import type { OrderState } from '../../src/reconcile/ports';
import { order } from '../support/reconcile-orders';

describe('canonical form', () => {
  it('writes amounts at the currency exponent without rounding', () => {
    expect(amountAt('12.5', 2)).toBe('12.50');
    expect(amountAt(12.5, 2)).toBe('12.50');
    expect(amountAt('012.50', 2)).toBe('12.50');
    expect(amountAt('100.00', 0)).toBe('100');
    expect(amountAt('1.5', 3)).toBe('1.500');
    // A third decimal is kept, never rounded away: 1.005 is not 1.00.
    expect(amountAt('1.005', 2)).toBe('1.005');
    expect(amountAt('abc', 2)).toBe('?"abc"');
    // Signed amounts (a rounding adjustment), as the target's DECIMAL(20,4) reads them back.
    expect(amountAt('-0.0100', 2)).toBe('-0.01');
    expect(amountAt('-0.01', 2)).toBe('-0.01');
    expect(amountAt('-0.000', 3)).toBe('0.000');
    expect(amountAt('-0.01', 2)).not.toBe(amountAt('0.01', 2));
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('EUR')).toBe(2);
  });

  it('compares a unit price that is a rate (more decimals than its currency) exactly', () => {
    const fuel = (unitPrice: unknown) =>
      orderHash(
        canonicalOrder(
          order({
            snapshot: {
              ...order().snapshot,
              currency: 'EUR',
              lines: [{ sku: 'DIESEL-L', qty: 40.123, unitPrice: unitPrice as string }],
              total: '71.78',
            },
          }),
        ),
      );
    // As sent, as the built-in JSON keeps it, and as a DECIMAL(20,4) column reads it back.
    expect(fuel('1.7890')).toBe(fuel('1.789'));
    expect(fuel(1.789)).toBe(fuel('1.789'));
    // A target that rounded the rate to the currency holds another price.
    expect(fuel('1.79')).not.toBe(fuel('1.789'));
  });

  it('hashes equal orders equally whatever key order, number form, date offset or invoice order', () => {
    const a = order();
    const b = order({
      snapshot: {
        status: 'confirmed',
        total: 15,
        currency: 'EUR',
        shippingAddress: {
          country: 'DE',
          postalCode: '10115',
          city: 'Berlin',
          line1: 'Main St 1',
          line2: null,
        },
        lines: [
          { unitPrice: 10, qty: 1, sku: 'A' },
          { unitPrice: '2.5', qty: 2, sku: 'B' },
        ],
        customer: { email: 'ada@example.com', name: 'Ada', id: 'C1' },
      },
      invoices: [...order().invoices]
        .reverse()
        .map((i) => (i.invoiceId === 'I-1' ? { ...i, issuedAt: '2026-12-01T10:00:00+01:00' } : i)),
    });
    expect(orderHash(canonicalOrder(a))).toBe(orderHash(canonicalOrder(b)));
  });

  it("treats an invoice's default kind as no kind, and a credit note as different", () => {
    const plain = order();
    const explicit = order({
      invoices: order().invoices.map((i) => ({ ...i, kind: 'invoice' })),
    });
    const credit = order({
      invoices: order().invoices.map((i) => ({ ...i, kind: 'credit_note' })),
    });
    expect(orderHash(canonicalOrder(explicit))).toBe(orderHash(canonicalOrder(plain)));
    expect(orderHash(canonicalOrder(credit))).not.toBe(orderHash(canonicalOrder(plain)));
  });

  it('treats a zero optional amount as no amount (the total rule counts it so), a non-zero one as different', () => {
    const plain = order();
    const base = order().snapshot;
    const zeros = order({
      snapshot: {
        ...base,
        shippingTotal: '0.0000',
        taxTotal: 0,
        discountTotal: '0.00',
        roundingAdjustment: '-0.0000',
        lines: (base.lines as Array<Record<string, unknown>>).map((l) => ({
          ...l,
          discount: '0.00',
          tax: '0',
        })),
      },
    });
    const shipped = order({ snapshot: { ...base, shippingTotal: '0.01' } });
    expect(orderHash(canonicalOrder(zeros))).toBe(orderHash(canonicalOrder(plain)));
    expect(orderHash(canonicalOrder(shipped))).not.toBe(orderHash(canonicalOrder(plain)));
  });

  it('keeps line order, the version and every field in the hash', () => {
    const h = (o: OrderState) => orderHash(canonicalOrder(o));
    const base = h(order());
    const lines = order().snapshot.lines as unknown[];
    expect(h(order({ snapshot: { ...order().snapshot, lines: [...lines].reverse() } }))).not.toBe(
      base,
    );
    expect(h(order({ snapshotVersion: 3 }))).not.toBe(base);
    expect(h(order({ snapshot: { ...order().snapshot, giftNote: 'x' } }))).not.toBe(base);
    expect(h(order({ channel: 'store' }))).not.toBe(base);
  });
});

describe('drift kinds', () => {
  it('reports nothing for equal sides and for an order on neither side', () => {
    expect(compareOrder('SO-1', order(), order()).kinds).toEqual([]);
    expect(compareOrder('SO-1', undefined, undefined).kinds).toEqual([]);
  });

  it('classifies missing, orphan, behind, differs, missing_invoice and extra_invoice', () => {
    expect(compareOrder('SO-1', order(), undefined).kinds).toEqual(['missing']);
    expect(compareOrder('SO-1', undefined, order()).kinds).toEqual(['orphan']);
    expect(compareOrder('SO-1', order({ snapshotVersion: 3 }), order()).kinds).toEqual(['behind']);
    const edited = order({ snapshot: { ...order().snapshot, status: 'shipped' } });
    const d = compareOrder('SO-1', order(), edited);
    expect(d.kinds).toEqual(['differs']);
    expect(d.fields).toEqual(['status']);
    const oneInvoice = order({ invoices: order().invoices.slice(0, 1) });
    expect(compareOrder('SO-1', order(), oneInvoice).kinds).toEqual(['missing_invoice']);
    expect(compareOrder('SO-1', oneInvoice, order()).kinds).toEqual(['extra_invoice']);
    const taxed = order({
      invoices: order().invoices.map((i) => (i.invoiceId === 'I-1' ? { ...i, tax: '2.00' } : i)),
    });
    const inv = compareOrder('SO-1', order(), taxed);
    expect(inv.kinds).toEqual(['differs']);
    expect(inv.fields).toEqual(['invoice I-1']);
  });

  it('names fields, never values', () => {
    const edited = order({
      snapshot: { ...order().snapshot, customer: { id: 'C1', name: 'Secret Name' } },
    });
    const d = compareOrder('SO-1', order(), edited);
    expect(JSON.stringify(d)).not.toContain('Secret');
    expect(d.fields).toEqual(['customer']);
  });

  it('confirms a drift only when it persists and the ERP did not change in between', () => {
    const first = compareOrder('SO-1', order({ snapshotVersion: 3, highestVersion: 3 }), order());
    const sameAgain = compareOrder(
      'SO-1',
      order({ snapshotVersion: 3, highestVersion: 3 }),
      order(),
    );
    expect(confirmDrift(first, sameAgain)).not.toBeNull();
    // Applied in the meantime: in flight, not drift.
    expect(confirmDrift(first, compareOrder('SO-1', order(), order()))).toBeNull();
    // The ERP moved on while compared: not reported this run.
    const moved = compareOrder('SO-1', order({ snapshotVersion: 4, highestVersion: 4 }), order());
    expect(confirmDrift(first, moved)).toBeNull();
  });

  it('repairs only missing, behind and missing_invoice', () => {
    const behind = compareOrder('SO-1', order({ snapshotVersion: 3 }), order());
    expect(repairable(behind)).toBe(true);
    expect(repairable(compareOrder('SO-1', order(), undefined))).toBe(true);
    expect(repairable(compareOrder('SO-1', undefined, order()))).toBe(false);
    const differsAndMissingInvoice = compareOrder(
      'SO-1',
      order(),
      order({
        snapshot: { ...order().snapshot, status: 'x' },
        invoices: order().invoices.slice(0, 1),
      }),
    );
    expect(differsAndMissingInvoice.kinds).toEqual(['differs', 'missing_invoice']);
    expect(repairable(differsAndMissingInvoice)).toBe(false);
  });
});
