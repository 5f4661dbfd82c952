/**
 * Compares an order as a target stored it with the order the ERP holds, both
 * in the contract's shape. Only what the target keeps is compared (a mapping
 * may leave a field out), but every field it does keep must be equal: a
 * decimal by value (12.5000 equals 12.50), a date to the precision the target
 * keeps (a TIMESTAMP has whole seconds), anything else exactly.
 */
import type { OrderEvent } from '../contracts/events';
import { meansAbsent } from '../contracts/field-defaults';
import { isCutToSecond, utcInstant } from '../contracts/instant';
import type { StoredOrder } from './port';

/** The ERP's side: the newest snapshot's fields, its lines and every invoice. */
export interface ExpectedOrder {
  fields: Record<string, unknown>;
  lines: Array<Record<string, unknown>>;
  invoices: Array<Record<string, unknown>>;
}

/** The order the ERP holds after `events`: the newest snapshot and every invoice. */
export function expectedFrom(events: readonly OrderEvent[]): ExpectedOrder {
  const snapshots = events.filter((e) => e.type !== 'invoice_creation');
  const last = snapshots.reduce((a, b) => (b.erpVersion > a.erpVersion ? b : a));
  const { lines, ...fields } = last.data;
  return {
    fields: { ...fields, channel: last.channel },
    lines,
    invoices: events.flatMap((e) => (e.type === 'invoice_creation' ? [e.data] : [])),
  };
}

const DECIMAL = /^-?\d+(?:\.\d+)?$/;
const DATE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** A decimal without trailing zeros: "12.5000" and "12.50" → "12.5". */
function decimal(v: string): string {
  const [whole = '0', frac = ''] = v.replace(/^(-?)0+(?=\d)/, '$1').split('.');
  const f = frac.replace(/0+$/, '');
  return f ? `${whole}.${f}` : whole;
}

const scalarText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Whether a stored value equals the expected one; `key` is the field's name,
 * so that a stored value meaning "none" (a 0 optional amount, kind `invoice`)
 * equals an absent one, as in reconciliation's canonical form.
 */
export function sameValue(expected: unknown, stored: unknown, key?: string): boolean {
  if (stored === undefined) return true;
  if (expected === undefined || expected === null)
    return key === undefined ? stored === null : meansAbsent(key, stored);
  if (typeof stored === 'object' && stored !== null) {
    if (typeof expected !== 'object') return false;
    const e = expected as Record<string, unknown>;
    return Object.entries(stored as Record<string, unknown>).every(([k, v]) =>
      sameValue(e[k], v, k),
    );
  }
  if (typeof expected === 'object') return false;
  const es = scalarText(expected);
  const ss = scalarText(stored);
  if (DECIMAL.test(es) && DECIMAL.test(ss)) return decimal(es) === decimal(ss);
  const et = utcInstant(es);
  const st = utcInstant(ss);
  if (et !== null && st !== null) {
    const wholeSeconds = !DATE.exec(ss)?.[3];
    return wholeSeconds ? isCutToSecond(et, st) : et === st;
  }
  return es === ss;
}

/** The names of a stored line's or invoice's fields that differ: `(qty, tax)`, never a value. */
function fieldsThatDiffer(
  expected: Record<string, unknown>,
  stored: Record<string, unknown>,
): string {
  const keys = Object.entries(stored)
    .filter(([k, v]) => !sameValue(expected[k], v, k))
    .map(([k]) => k);
  return keys.length > 0 ? ` (${keys.join(', ')})` : '';
}

/** What differs, one phrase per difference; empty when the stored order matches. */
export function orderDifferences(expected: ExpectedOrder, stored: StoredOrder | null): string[] {
  if (!stored) return ['missing in target'];
  const why: string[] = [];
  for (const [k, v] of Object.entries(stored.fields))
    if (!sameValue(expected.fields[k], v, k)) why.push(`${k} differs`);
  if (stored.lines.length !== expected.lines.length)
    why.push(`${stored.lines.length} lines, ERP has ${expected.lines.length}`);
  else
    stored.lines.forEach((l, i) => {
      const e = expected.lines[i]!;
      if (!sameValue(e, l)) why.push(`line ${i + 1} differs${fieldsThatDiffer(e, l)}`);
    });
  const byId = new Map(expected.invoices.map((i) => [String(i.invoiceId), i]));
  for (const inv of stored.invoices) {
    const e = byId.get(String(inv.invoiceId));
    if (!e) why.push(`invoice ${String(inv.invoiceId)} is not in the ERP`);
    else if (!sameValue(e, inv))
      why.push(`invoice ${String(inv.invoiceId)} differs${fieldsThatDiffer(e, inv)}`);
  }
  const storedIds = new Set(stored.invoices.map((i) => String(i.invoiceId)));
  for (const id of byId.keys()) if (!storedIds.has(id)) why.push(`invoice ${id} missing`);
  return why;
}
