import { describe, it, expect } from 'vitest';
import { planApply } from '../../src/contracts/apply-plan';
import { decodeMessage } from '../../src/contracts/events';
import { expectedTotal, totalRuleBreach } from '../../src/contracts/total-rule';
import type { DecodeResult } from '../../src/contracts/events';
import {
  badInputCorpus,
  duplicateEventIdPair,
  SQL_METACHARS_SHORT,
  sqlMetacharInvoiceSequence,
} from '../fixtures/bad-input-corpus';
import type { CorpusCase } from '../fixtures/bad-input-corpus';

const MAX_BYTES = 256 * 1024;
const RUN = Math.random().toString(36).slice(2, 10);
const orderIdFor = (i: number): string => `BAD-${RUN}-${i}`;

const corpus = badInputCorpus(orderIdFor);
const prototypeKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

function decode(c: Pick<CorpusCase, 'key' | 'value'>): DecodeResult {
  return decodeMessage(c.key, c.value, MAX_BYTES);
}

function text(value: CorpusCase['value']): string {
  if (value === null) throw new Error('no value');
  return value.toString();
}

/** eventId of a value that parses as an object with a string eventId, else undefined. */
function eventIdOf(value: CorpusCase['value']): string | undefined {
  if (value === null || value.length === 0 || value.length > MAX_BYTES) return undefined;
  try {
    const parsed: unknown = JSON.parse(value.toString());
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const id = (parsed as Record<string, unknown>).eventId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

const cents = (amount: string): number => Math.round(Number(amount) * 100);

describe('bad-input corpus: shape', () => {
  it('has at least 45 cases with unique kebab-case names', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(45);
    const names = corpus.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('gives every case its own order id', () => {
    const seen: number[] = [];
    const cases = badInputCorpus((i) => {
      seen.push(i);
      return orderIdFor(i);
    });
    expect(seen.length).toBe(cases.length);
    expect(new Set(seen).size).toBe(cases.length);
  });

  it('uses event ids that are unique within a call and fresh on every call', () => {
    const ids = (cases: CorpusCase[]) =>
      cases.map((c) => eventIdOf(c.value)).filter((id): id is string => id !== undefined);
    const first = ids(corpus);
    const second = ids(badInputCorpus(orderIdFor));
    expect(first.length).toBeGreaterThan(40);
    expect(new Set(first).size).toBe(first.length);
    expect(first.filter((id) => second.includes(id))).toEqual([]);
  });

  it('keys every applied case by its orderId and produces it to its own channel', () => {
    for (const c of corpus.filter((x) => x.expect.outcome !== 'dlq')) {
      const ev = JSON.parse(text(c.value)) as { orderId: string; channel: string };
      expect(c.key, c.name).toBe(ev.orderId);
      expect(c.channel, c.name).toBe(ev.channel);
    }
  });

  it('covers every refusal reason and some valid messages', () => {
    const outcomes = new Set(
      corpus.map((c) => (c.expect.outcome === 'dlq' ? c.expect.reason : c.expect.outcome)),
    );
    expect([...outcomes].sort()).toEqual([
      'applied',
      'blocked',
      'empty-value',
      'key-mismatch',
      'missing-key',
      'oversized',
      'schema',
      'unparsable-json',
    ]);
  });

  it('builds the deep-nesting cases so that JSON.parse itself succeeds (no RangeError)', () => {
    for (const name of ['deeply-nested-object-in-data', 'deeply-nested-array-extra-field']) {
      const c = corpus.find((x) => x.name === name);
      expect(c, name).toBeDefined();
      expect(() => JSON.parse(text(c!.value)) as unknown).not.toThrow();
    }
  });

  it('really puts __proto__ and constructor keys into the JSON text', () => {
    for (const c of corpus.filter((x) => /^(proto|constructor)-key-/.test(x.name))) {
      expect(text(c.value), c.name).toMatch(/"(__proto__|constructor)":\{/);
    }
  });
});

describe('bad-input corpus: decodeMessage reaches the expected outcome', () => {
  it.each(corpus.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = decode(c);
    if (c.expect.outcome === 'dlq') {
      expect(r.ok ? 'ok' : r.reason).toBe(c.expect.reason);
      return;
    }
    if (!r.ok) throw new Error(`expected ok, got ${r.reason}: ${r.detail}`);
    const ev = r.event;
    expect(ev.orderId).toBe(c.expect.orderId);
    expect(c.key).toBe(ev.orderId);
    expect(ev.type).toBe('order_creation');
    expect(ev.erpVersion).toBe(1);
    if (ev.type === 'invoice_creation') throw new Error('unreachable');
    const plan = planApply({
      orderId: ev.orderId,
      events: [ev],
      order: null,
      ledger: new Map(),
      invoices: new Map(),
    });
    if (c.expect.outcome === 'blocked') {
      // Blocked by the total rule, with both figures in the reason.
      const outcome = plan.steps[0]!.outcome;
      expect(outcome.outcome).toBe('rejected');
      const error = outcome.outcome === 'rejected' ? outcome.error : '';
      expect(error).toContain(ev.data.total);
      expect(error).toContain(expectedTotal(ev.data));
      expect(expectedTotal(ev.data)).not.toBe(ev.data.total);
      return;
    }
    // The apply step refuses a total that breaks the total rule.
    expect(totalRuleBreach(ev.data)).toBeNull();
    expect(plan.steps.map((s) => s.outcome.outcome)).toEqual(['applied']);
    // Free text (names, addresses) comes through verbatim.
    const raw = JSON.parse(text(c.value)) as {
      data: { customer: unknown; shippingAddress: unknown };
    };
    expect(ev.data.customer).toStrictEqual(raw.data.customer);
    expect(ev.data.shippingAddress).toStrictEqual(raw.data.shippingAddress);
  });

  it('leaves Object.prototype untouched after decoding every case', () => {
    for (const c of corpus) decode(c);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeysBefore);
    const probe: Record<string, unknown> = {};
    expect(probe.polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });
});

describe('bad-input corpus: order-dependent extras', () => {
  it('duplicateEventIdPair: two valid events with one eventId and different totals', () => {
    const orderId = orderIdFor(10_000);
    const [first, second] = duplicateEventIdPair(orderId).map((v) =>
      decode({ key: orderId, value: v }),
    );
    if (!first?.ok || !second?.ok) throw new Error('both copies must decode');
    expect(second.event.eventId).toBe(first.event.eventId);
    expect(first.event.type).toBe('order_creation');
    if (first.event.type === 'invoice_creation' || second.event.type === 'invoice_creation')
      throw new Error('unreachable');
    expect(second.event.data.total).not.toBe(first.event.data.total);
    for (const ev of [first.event, second.event]) {
      const sum = ev.data.lines.reduce((acc, l) => acc + l.qty * cents(l.unitPrice), 0);
      expect(sum).toBe(cents(ev.data.total));
    }
  });

  it('sqlMetacharInvoiceSequence: both events decode and the invoice number is verbatim', () => {
    const orderId = orderIdFor(10_001);
    const seq = sqlMetacharInvoiceSequence(orderId);
    const created = decode({ key: orderId, value: seq.creation });
    const invoice = decode({ key: orderId, value: seq.invoice });
    if (!created.ok || !invoice.ok) throw new Error('both events must decode');
    if (invoice.event.type !== 'invoice_creation') throw new Error('expected an invoice');
    expect(invoice.event.data.number).toBe(SQL_METACHARS_SHORT);
    expect(seq.invoiceNumber).toBe(SQL_METACHARS_SHORT);
    expect(invoice.event.erpVersion).toBeGreaterThan(created.event.erpVersion);
  });
});
