import type { StoredOrder } from '../port';

/** Sets `value` at a dotted path (`customer.email`) inside `into`. */
function setPath(into: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let cur = into;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (next === null || typeof next !== 'object') cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts.at(-1)!] = value;
}

/**
 * The rows `read_order.sql` returned, per statement, as one order in the
 * contract's shape. Columns are named by contract paths: `line.*` columns make
 * a row a line, `invoice.*` columns an invoice, every other column is an
 * order field (`customer.email` nests). NULL columns are left out, as the
 * contract leaves out an absent optional field. No order row: null.
 */
export function storedOrderFromRows(
  orderId: string,
  resultSets: Array<Array<Record<string, unknown>>>,
): StoredOrder | null {
  const order: StoredOrder = { orderId, fields: {}, lines: [], invoices: [] };
  let found = false;
  for (const rows of resultSets) {
    for (const row of rows) {
      const line: Record<string, unknown> = {};
      const invoice: Record<string, unknown> = {};
      let isLine = false;
      let isInvoice = false;
      for (const [col, value] of Object.entries(row)) {
        if (value === null || value === undefined) continue;
        if (col.startsWith('line.')) {
          isLine = true;
          setPath(line, col.slice(5), value);
        } else if (col.startsWith('invoice.')) {
          isInvoice = true;
          setPath(invoice, col.slice(8), value);
        } else {
          found = true;
          setPath(order.fields, col, value);
        }
      }
      if (isLine) order.lines.push(line);
      if (isInvoice) order.invoices.push(invoice);
    }
  }
  return found ? order : null;
}
