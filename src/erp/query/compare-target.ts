import type { Pool, RowDataPacket } from 'mysql2/promise';
import { jsonColumn } from '../../db/json-column';
import { assembleOrders, money } from './assemble';
import type { MappingQueries } from './mapping-queries';

/**
 * How the target differs from the ERP's current state, as the mapping reads it
 * now: every order's status, ERP status, currency, total, tax and lines, and
 * every invoice and credit note. Empty when the target equals the ERP.
 */
export async function targetDiffsFromErp(
  queries: MappingQueries,
  app: Pool,
  orderIds: readonly string[],
): Promise<string[]> {
  const why: string[] = [];
  const erpOrders = assembleOrders(await queries.orders(orderIds), queries.mapping.manifest);
  const erpInvoices = (await queries.orderInvoices(orderIds)) ?? [];
  const [rows] = await app.query<RowDataPacket[]>(
    'SELECT order_id, channel, status, erp_status, currency, total, tax_total, `lines` FROM orders WHERE order_id IN (?)',
    [orderIds],
  );
  const [invoices] = await app.query<RowDataPacket[]>(
    'SELECT invoice_id, order_id, amount, kind FROM invoices WHERE order_id IN (?)',
    [orderIds],
  );
  const target = new Map(rows.map((r) => [String(r.order_id), r]));
  const cents = (v: unknown) =>
    v === null || v === undefined ? null : Math.round(Number(v) * 100);
  for (const o of erpOrders) {
    const t = target.get(o.orderId);
    if (!t) {
      why.push(`${o.orderId}: missing in the target`);
      continue;
    }
    const d = o.data as { status: string; erpStatus: string; total: string; taxTotal?: string };
    const lines = (o.data.lines as Array<{ sku: string; qty: number }>).map(
      (l) => `${l.sku}×${l.qty}`,
    );
    const tLines = jsonColumn<Array<{ sku: string; qty: number }>>(t.lines).map(
      (l) => `${l.sku}×${Number(l.qty)}`,
    );
    if (t.status !== d.status)
      why.push(`${o.orderId}: status ${String(t.status)}, ERP ${d.status}`);
    if (t.erp_status !== d.erpStatus) why.push(`${o.orderId}: erp_status differs`);
    if (t.channel !== o.channel) why.push(`${o.orderId}: channel differs`);
    if (cents(t.total) !== cents(d.total))
      why.push(`${o.orderId}: total ${String(t.total)}, ERP ${d.total}`);
    if (cents(t.tax_total) !== cents(d.taxTotal)) why.push(`${o.orderId}: tax_total differs`);
    if (JSON.stringify(tLines) !== JSON.stringify(lines)) why.push(`${o.orderId}: lines differ`);
  }
  const targetInvoices = new Map(invoices.map((i) => [String(i.invoice_id), i]));
  for (const i of erpInvoices) {
    const t = targetInvoices.get(String(i.invoice_id));
    if (!t) why.push(`invoice ${String(i.invoice_id)}: missing in the target`);
    else if (t.kind !== (i.kind ?? 'invoice') || cents(t.amount) !== cents(money(i.amount)))
      why.push(`invoice ${String(i.invoice_id)}: differs`);
  }
  if (invoices.length !== erpInvoices.length)
    why.push(`${invoices.length} invoices in the target, ${erpInvoices.length} in the ERP`);
  return why;
}
