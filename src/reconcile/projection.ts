/**
 * Reduces an order to the fields a target keeps (src/reconcile/ports.ts,
 * KeptFields) before the canonical form is taken. Applied to both sides, so
 * a target that never stores, say, the phone or the ERP status is compared on
 * what it does store and is not reported as `differs` forever. Pure.
 */
import { isCutToSecond, utcInstant } from '../contracts/instant';
import { DATE_FIELDS } from './canonical';
import type { KeptFields, OrderState } from './ports';

/** `value` with only the keys whose path (under `prefix`) is kept, or a parent of a kept path. */
function pick(
  value: Record<string, unknown>,
  kept: ReadonlySet<string>,
  wholeSeconds: ReadonlySet<string>,
  prefix: string,
  secondsPrefix: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const path = `${prefix}${k}`;
    if (kept.has(path)) {
      out[k] = wholeSeconds.has(`${secondsPrefix}${path}`) ? toWholeSecond(v) : v;
      continue;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
    const inner = `${path}.`;
    if ([...kept].some((p) => p.startsWith(inner)))
      out[k] = pick(v as Record<string, unknown>, kept, wholeSeconds, inner, secondsPrefix);
  }
  return out;
}

/** An instant cut to its whole second, as a target column without fractions holds it. */
export function toWholeSecond(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return value;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

/**
 * The ERP's instant cut to a whole second the way the target's server cut
 * it: down (MariaDB) or to the nearest second (MySQL 8.4 rounds fractions
 * written to a column without them). The target's instant when either way
 * gives it, else cut down (and so still different).
 */
export function toWholeSecondAs(erp: unknown, target: unknown): unknown {
  if (typeof erp !== 'string' || typeof target !== 'string') return toWholeSecond(erp);
  const e = utcInstant(erp);
  const t = utcInstant(target);
  if (e === null || t === null || Number.isNaN(e) || Number.isNaN(t)) return toWholeSecond(erp);
  return isCutToSecond(e, t) ? new Date(t).toISOString() : toWholeSecond(erp);
}

/** A date written without fractional seconds (`2026-12-01T10:00:03Z`, `2026-12-01 10:00:03`). */
const WHOLE_SECOND_TEXT = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)?$/;

/**
 * The ERP's invoice dates cut to whole seconds wherever the target's value of
 * the same invoice has none: a date is compared to the precision the target
 * keeps, as the oracle does (src/target/compare-order.ts). The column type
 * cannot always tell: a `UNION` of a DATETIME and a JSON text is text.
 */
export function alignDatePrecision(erp: OrderState, target: OrderState): OrderState {
  const coarse = new Map<string, Map<string, string>>();
  for (const inv of target.invoices)
    for (const k of DATE_FIELDS) {
      const v = inv[k];
      if (typeof v === 'string' && WHOLE_SECOND_TEXT.test(v))
        coarse.set(
          String(inv.invoiceId),
          (coarse.get(String(inv.invoiceId)) ?? new Map<string, string>()).set(k, v),
        );
    }
  if (coarse.size === 0) return erp;
  return {
    ...erp,
    invoices: erp.invoices.map((inv) => {
      const dates = coarse.get(String(inv.invoiceId));
      if (!dates) return inv;
      const out = { ...inv };
      for (const [k, stored] of dates) out[k] = toWholeSecondAs(out[k], stored);
      return out;
    }),
  };
}

export function projectOrder(s: OrderState, kept: KeptFields): OrderState {
  const { lines, ...rest } = s.snapshot;
  const snapshot = pick(rest, kept.order, kept.wholeSeconds, '', '');
  if (kept.line.size > 0 && Array.isArray(lines))
    snapshot.lines = (lines as Array<Record<string, unknown>>).map((l) =>
      pick(l, kept.line, kept.wholeSeconds, '', 'line.'),
    );
  // Without the invoice id there is nothing to pair invoices by: they are not compared.
  const invoices = kept.invoice.has('invoiceId')
    ? s.invoices.map((i) => pick(i, kept.invoice, kept.wholeSeconds, '', 'invoice.'))
    : [];
  return {
    ...s,
    channel: kept.order.has('channel') ? s.channel : '',
    snapshot,
    invoices,
    ...(kept.invoice.has('invoiceId') ? {} : { invoicesUnknown: true }),
  };
}

/**
 * KeptFields from the column names of a target's read (`customer.email`,
 * `line.sku`, `invoice.amount`), and the date columns that have no fractions.
 */
export function keptFieldsOf(
  columns: ReadonlyArray<{ name: string; wholeSeconds: boolean }>,
): KeptFields {
  const order = new Set<string>();
  const line = new Set<string>();
  const invoice = new Set<string>();
  const wholeSeconds = new Set<string>();
  for (const c of columns) {
    if (c.name.startsWith('line.')) line.add(c.name.slice(5));
    else if (c.name.startsWith('invoice.')) invoice.add(c.name.slice(8));
    else order.add(c.name);
    if (c.wholeSeconds) wholeSeconds.add(c.name);
  }
  return { order, line, invoice, wholeSeconds };
}
