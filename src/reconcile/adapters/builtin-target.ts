/**
 * The target side of reconciliation over ordersync's built-in tables
 * (`orders`, `invoices`), read back in the contract's shape.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { jsonColumn } from '../../db/json-column';
import { fromSqlDateTime } from '../../db/time';
import { orderIdsOf } from './id-filter';
import type { IdScope, OrderState, ReconcileTargetSide } from '../ports';

export class BuiltinTargetSide implements ReconcileTargetSide {
  constructor(private readonly pool: Pool) {}

  async readOrders(ids: readonly string[]): Promise<Map<string, OrderState>> {
    const out = new Map<string, OrderState>();
    if (ids.length === 0) return out;
    const [orders] = await this.pool.query<RowDataPacket[]>(
      `SELECT order_id, channel, status, customer, shipping_address, \`lines\`, currency, total,
              tax_total, shipping_total, discount_total, rounding_adjustment, erp_status,
              billing_address, attributes, erp_version, snapshot_version
         FROM orders WHERE order_id IN (?)`,
      [ids],
    );
    const [invoices] = await this.pool.query<RowDataPacket[]>(
      `SELECT invoice_id, order_id, number, amount, tax, currency, issued_at, kind,
              against_invoice_id, \`lines\`
         FROM invoices WHERE order_id IN (?)`,
      [ids],
    );
    for (const o of orders) {
      out.set(String(o.order_id), {
        orderId: String(o.order_id),
        channel: String(o.channel),
        snapshotVersion: Number(o.snapshot_version),
        highestVersion: Number(o.erp_version),
        snapshot: {
          customer: jsonColumn(o.customer),
          lines: jsonColumn(o.lines),
          currency: o.currency,
          total: o.total,
          status: o.status,
          shippingAddress: jsonColumn(o.shipping_address),
          // Contract version 2: NULL is a field the message did not have.
          taxTotal: o.tax_total,
          shippingTotal: o.shipping_total,
          discountTotal: o.discount_total,
          roundingAdjustment: o.rounding_adjustment,
          erpStatus: o.erp_status,
          billingAddress: o.billing_address === null ? null : jsonColumn(o.billing_address),
          attributes: o.attributes === null ? null : jsonColumn(o.attributes),
        },
        invoices: [],
      });
    }
    for (const i of invoices) {
      const orderId = String(i.order_id);
      // Invoices stored before any snapshot: the order exists, with no snapshot yet.
      const s = out.get(orderId) ?? {
        orderId,
        channel: '',
        snapshotVersion: 0,
        highestVersion: 0,
        snapshot: {},
        invoices: [],
      };
      s.invoices.push({
        invoiceId: i.invoice_id,
        number: i.number,
        amount: i.amount,
        tax: i.tax,
        currency: i.currency,
        issuedAt: fromSqlDateTime(String(i.issued_at)),
        kind: i.kind,
        againstInvoiceId: i.against_invoice_id,
        lines: i.lines === null ? null : jsonColumn(i.lines),
      });
      out.set(orderId, s);
    }
    return out;
  }

  orderIdsAfter(afterId: string | null, limit: number, scope: IdScope): Promise<string[]> {
    return orderIdsOf(this.pool, 'orders', afterId, limit, scope);
  }
}
