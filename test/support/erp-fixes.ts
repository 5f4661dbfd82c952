import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { OrderSnapshot } from '../../src/contracts/events';
import { expectedTotal } from '../../src/contracts/total-rule';
import { jsonColumn } from '../../src/db/json-column';

/**
 * Corrects a simulator-poisoned order in the ERP: the poisoned snapshot is the
 * order's last update, and its total (in the change log and the orders table)
 * becomes what the contract's total rule gives for it. A replay then applies
 * the corrected snapshot.
 */
export async function fixPoisonedOrder(writer: Pool, orderId: string): Promise<void> {
  const [last] = await writer.query<RowDataPacket[]>(
    `SELECT version AS v, payload FROM order_events
      WHERE order_id = ? AND type <> 'invoice_creation' ORDER BY version DESC LIMIT 1`,
    [orderId],
  );
  const total = expectedTotal(jsonColumn<OrderSnapshot>(last[0]!.payload));
  await writer.query('UPDATE orders SET total = ? WHERE order_id = ?', [total, orderId]);
  await writer.query(
    "UPDATE order_events SET payload = JSON_SET(payload, '$.total', ?) WHERE order_id = ? AND version = ?",
    [total, orderId, Number(last[0]!.v)],
  );
}
