import { describe, expect, it } from 'vitest';
import { planApply } from '../../src/contracts/apply-plan';
import { decodeMessage } from '../../src/contracts/events';
import {
  badInputCorpus,
  duplicateEventIdPair,
  sqlMetacharInvoiceSequence,
} from '../fixtures/bad-input-corpus';
import golden from '../fixtures/contract-v1-decoded.json';

/**
 * Every message of the valid corpus, decoded by contract version 1 (the
 * schema before issue 23) and recorded in contract-v1-decoded.json, must decode
 * to the very same event under version 2, and the apply must still accept it:
 * valid before means valid now, with the same meaning, stored the same. Ids
 * that the corpus draws at random are masked on both sides.
 */
type Recorded = Record<string, unknown>;
const recorded = golden as Record<string, Recorded>;

function decoded(name: string, orderId: string, value: string | Buffer | null, key: string | null) {
  const r = decodeMessage(key, value, 256 * 1024);
  if (!r.ok) throw new Error(`${name}: refused (${r.reason}: ${r.detail})`);
  const { eventId: _eventId, ...rest } = r.event;
  const masked = JSON.parse(JSON.stringify(rest).split(orderId).join('<o>')) as Recorded;
  if (r.event.type === 'invoice_creation') (masked.data as Recorded).invoiceId = '<invoiceId>';
  return { event: r.event, masked };
}

function replayCases() {
  const o = (i: number) => `V1GOLD-${i}`;
  const cases: Array<[string, string, string | Buffer | null, string | null]> = [];
  // The recorded cases only: the corpus has since gained version-2 cases.
  for (const [i, c] of badInputCorpus(o).entries())
    if (c.name in recorded) cases.push([c.name, o(i), c.value, c.key]);
  const [first, second] = duplicateEventIdPair('V1GOLD-dup');
  cases.push(['duplicate-event-id-first', 'V1GOLD-dup', first, 'V1GOLD-dup']);
  cases.push(['duplicate-event-id-second', 'V1GOLD-dup', second, 'V1GOLD-dup']);
  const seq = sqlMetacharInvoiceSequence('V1GOLD-inv');
  cases.push(['sql-metachar-invoice-creation', 'V1GOLD-inv', seq.creation, 'V1GOLD-inv']);
  cases.push(['sql-metachar-invoice', 'V1GOLD-inv', seq.invoice, 'V1GOLD-inv']);
  return cases;
}

describe('every version-1 message stays valid with the same meaning', () => {
  const cases = replayCases();

  it('replays the whole recorded valid corpus, no case missing', () => {
    expect(cases.map(([name]) => name).sort()).toEqual(Object.keys(recorded).sort());
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)('%s decodes as version 1 decoded it', (name, orderId, value, key) => {
    expect(decoded(name, orderId, value, key).masked).toStrictEqual(recorded[name]);
  });

  it.each(cases.filter(([name]) => name !== 'sql-metachar-invoice'))(
    '%s passes the total rule',
    (name, orderId, value, key) => {
      const { event } = decoded(name, orderId, value, key);
      const plan = planApply({
        orderId: event.orderId,
        events: [event],
        order: null,
        ledger: new Map(),
        invoices: new Map(),
      });
      expect(plan.steps.map((s) => s.outcome.outcome)).toEqual(['applied']);
    },
  );
});
