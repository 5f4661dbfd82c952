/**
 * ERP writes that move an order to another sales channel in the middle of its
 * life: one update on its old channel, the channel change, one more update on
 * the new channel, back to back. Producers route by channel, so the order's
 * events from then on land on another topic, and so another partition, than
 * its earlier ones.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { randomUUID } from 'node:crypto';
import { CHANNELS } from '../src/contracts/events';
import type { Channel, OrderSnapshot } from '../src/contracts/events';
import { jsonColumn } from '../src/db/json-column';
import { toSqlDateTime } from '../src/db/time';

const STATUSES: OrderSnapshot['status'][] = ['confirmed', 'packed', 'shipped'];

/** One ERP transaction: the order's next version on `channel`, with its change-log row. */
async function writeUpdate(writer: Pool, orderId: string, channel?: Channel): Promise<void> {
  const conn = await writer.getConnection();
  try {
    await conn.beginTransaction();
    const [o] = await conn.query<RowDataPacket[]>(
      'SELECT channel, version FROM orders WHERE order_id = ? FOR UPDATE',
      [orderId],
    );
    const order = o[0];
    if (!order) throw new Error(`no ERP order ${orderId}`);
    // The newest snapshot as the ERP last sent it, so every field (taxes,
    // attributes, amounts at the currency's exponent) and its total carry over.
    const [last] = await conn.query<RowDataPacket[]>(
      `SELECT payload FROM order_events
        WHERE order_id = ? AND type IN ('order_creation', 'order_updation')
        ORDER BY version DESC LIMIT 1`,
      [orderId],
    );
    if (!last[0]) throw new Error(`no ERP snapshot of ${orderId}`);
    const version = Number(order.version) + 1;
    const now = new Date().toISOString();
    const target = channel ?? (String(order.channel) as Channel);
    const snapshot: OrderSnapshot = {
      ...jsonColumn<OrderSnapshot>(last[0].payload),
      status: STATUSES[version % STATUSES.length]!,
    };
    await conn.query(
      `INSERT INTO order_events (event_id, order_id, channel, type, version, occurred_at, payload)
       VALUES (?, ?, ?, 'order_updation', ?, ?, ?)`,
      [randomUUID(), orderId, target, version, toSqlDateTime(now), JSON.stringify(snapshot)],
    );
    await conn.query(
      'UPDATE orders SET channel = ?, status = ?, version = ?, updated_at = ? WHERE order_id = ?',
      [target, snapshot.status, version, toSqlDateTime(now), orderId],
    );
    await conn.commit();
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}

/** Moves each order to the next channel between two updates; returns how many moved. */
export async function changeChannels(writer: Pool, orderIds: string[]): Promise<number> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < orderIds.length) {
        const id = orderIds[next++]!;
        const [o] = await writer.query<RowDataPacket[]>(
          'SELECT channel FROM orders WHERE order_id = ?',
          [id],
        );
        const from = CHANNELS.indexOf(String(o[0]?.channel) as Channel);
        await writeUpdate(writer, id);
        await writeUpdate(writer, id, CHANNELS[(from + 1) % CHANNELS.length]);
        await writeUpdate(writer, id);
      }
    }),
  );
  return orderIds.length;
}

/** Orders move to another channel, so another topic and partition, in the middle of their life. */
export async function channelChangeTraffic(
  simulate: (o: { orders: number; rate: number }) => Promise<{ orderIds: string[] }>,
  writer: Pool,
) {
  const first = await simulate({ orders: 30, rate: 40 });
  const more = simulate({ orders: 30, rate: 40 });
  const moved = await changeChannels(writer, first.orderIds);
  await more;
  return moved;
}
