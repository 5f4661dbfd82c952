/**
 * The seed's write, as the article describes it: "an update operation if the
 * entry is already present, else create". No version guard, no ledger check:
 * the last writer wins. The write and its apply-log row share one
 * transaction, so the log's order is the order the effects happened in.
 */
import type { Pool } from 'mysql2/promise';
import type { OrderEvent } from '../../../src/contracts/events';
import { toSqlDateTime } from '../../../src/db/time';
import { inTransaction } from '../../../src/db/transaction';
import { snapshotColumns } from '../../../src/target/builtin';
import type { SeedTables } from './schema';

export async function applyNaively(pool: Pool, t: SeedTables, e: OrderEvent): Promise<void> {
  await inTransaction(pool, async (conn) => {
    const at = toSqlDateTime(e.occurredAt);
    if (e.type === 'invoice_creation') {
      const d = e.data;
      await conn.query(
        `INSERT INTO ${t.invoices} (invoice_id, order_id, number, amount, tax, currency, issued_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE number = VALUES(number), amount = VALUES(amount), tax = VALUES(tax),
           currency = VALUES(currency), issued_at = VALUES(issued_at)`,
        [d.invoiceId, e.orderId, d.number, d.amount, d.tax, d.currency, toSqlDateTime(d.issuedAt)],
      );
      // As the ERP itself does: the invoice bumps the order's version.
      await conn.query(
        `UPDATE ${t.orders} SET erp_version = ?, last_event_type = ?, updated_at = ? WHERE order_id = ?`,
        [e.erpVersion, e.type, at, e.orderId],
      );
    } else {
      await conn.query(
        `INSERT INTO ${t.orders} (order_id, channel, status, customer, shipping_address, \`lines\`, currency,
           total, erp_version, last_event_type, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE channel = VALUES(channel), status = VALUES(status),
           customer = VALUES(customer), shipping_address = VALUES(shipping_address),
           \`lines\` = VALUES(\`lines\`), currency = VALUES(currency), total = VALUES(total),
           erp_version = VALUES(erp_version), last_event_type = VALUES(last_event_type),
           updated_at = VALUES(updated_at)`,
        [e.orderId, ...snapshotColumns(e), e.erpVersion, e.type, at, at],
      );
    }
    await conn.query(
      `INSERT INTO ${t.ledger} (event_id, order_id, type, erp_version, outcome, applied_at)
       VALUES (?, ?, ?, ?, 'applied', UTC_TIMESTAMP(3))`,
      [e.eventId, e.orderId, e.type, e.erpVersion],
    );
  });
}
