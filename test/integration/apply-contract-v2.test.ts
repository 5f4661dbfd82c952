import type { Pool, RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLY_POOL_OPTIONS, createApplyActivities } from '../../activities/apply-order-events';
import { decodeMessage } from '../../src/contracts/events';
import type { OrderEvent } from '../../src/contracts/events';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { testEnv } from '../support/env';
import { uniqueOrderId } from '../support/order-events';
import { v2Cases } from '../support/v2-orders';
import { expectStoredAsSent } from '../support/v2-stored';

const { cfg } = testEnv('apply-v2');
let pool: Pool;

const decoded = (e: unknown): OrderEvent => {
  const { orderId } = e as { orderId: string };
  const r = decodeMessage(orderId, JSON.stringify(e), 256 * 1024);
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return r.event;
};

beforeAll(async () => {
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await migrator.end();
  pool = createPool(cfg.ORDERSYNC_MYSQL_URL, APPLY_POOL_OPTIONS);
});
afterAll(async () => pool?.end());

describe('the built-in tables store contract version 2 exactly', () => {
  it.each(v2Cases(uniqueOrderId('V2')).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const apply = createApplyActivities({ pool }).applyOrderEvents;
    const events = c.events.map(decoded);
    const result = await apply({ orderId: c.orderId, events });
    expect(result.outcomes.map((o) => o.outcome)).toEqual(events.map(() => 'applied'));
    await expectStoredAsSent(pool, c);
  });

  it('writes step by step the same as batched (one event per apply)', async () => {
    const c = v2Cases(uniqueOrderId('V2S')).find((x) => x.name === 'credit-note')!;
    const apply = createApplyActivities({ pool }).applyOrderEvents;
    for (const e of c.events.map(decoded)) {
      const r = await apply({ orderId: c.orderId, events: [e] });
      expect(r.outcomes[0]!.outcome).toBe('applied');
    }
    await expectStoredAsSent(pool, c);
  });

  it('blocks a total one minor unit off with both figures, unless ORDERSYNC_TOTAL_RULE=off', async () => {
    const [c] = v2Cases(uniqueOrderId('V2T'));
    const event = decoded(c!.events[0]);
    const off = { ...event, data: { ...event.data, total: '1335.01' } } as OrderEvent;
    const strict = await createApplyActivities({ pool }).applyOrderEvents({
      orderId: c!.orderId,
      events: [off],
    });
    expect(strict.outcomes[0]).toMatchObject({ outcome: 'rejected' });
    const error = (strict.outcomes[0] as { error: string }).error;
    expect(error).toContain('1335.01');
    expect(error).toContain('1335.00');
    const lenient = await createApplyActivities({ pool, totalRule: 'off' }).applyOrderEvents({
      orderId: c!.orderId,
      events: [off],
    });
    expect(lenient.outcomes[0]!.outcome).toBe('applied');
    const [rows] = await pool.query<RowDataPacket[]>(
      'SELECT total FROM orders WHERE order_id = ?',
      [c!.orderId],
    );
    expect(String(rows[0]!.total)).toBe('1335.0100');
  });
});
