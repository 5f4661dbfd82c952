import type { Pool, RowDataPacket } from 'mysql2/promise';

/**
 * Corrects a simulator-poisoned order in the ERP: the poisoned snapshot is the
 * order's last update, and its total (in the change log and the orders table)
 * becomes the sum of its lines. A replay then applies the corrected snapshot.
 */
export async function fixPoisonedOrder(writer: Pool, orderId: string): Promise<void> {
  const [lines] = await writer.query<RowDataPacket[]>(
    'SELECT SUM(qty * unit_price) AS t FROM order_lines WHERE order_id = ?',
    [orderId],
  );
  const total = Number(lines[0]!.t).toFixed(2);
  const [last] = await writer.query<RowDataPacket[]>(
    "SELECT MAX(version) AS v FROM order_events WHERE order_id = ? AND type <> 'invoice_creation'",
    [orderId],
  );
  await writer.query('UPDATE orders SET total = ? WHERE order_id = ?', [total, orderId]);
  await writer.query(
    "UPDATE order_events SET payload = JSON_SET(payload, '$.total', ?) WHERE order_id = ? AND version = ?",
    [total, orderId, Number(last[0]!.v)],
  );
}
