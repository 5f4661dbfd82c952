/**
 * Reduces an order to the fields a target keeps (src/reconcile/ports.ts,
 * KeptFields) before the canonical form is taken. Applied to both sides, so
 * a target that never stores, say, the phone or the ERP status is compared on
 * what it does store and is not reported as `differs` forever. Pure.
 */
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
