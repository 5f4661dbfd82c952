// Under the Magento mapping: the retailer has no international store yet
// (store 3 is gone), so an international order breaks sales_order's store
// foreign key. It blocks alone, its reason naming the mapping file and MySQL's
// code without quoting a value, while every other order completes. Once the
// store exists, a replay applies it.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { jsonColumn } from '../../src/db/json-column';
import { createPool } from '../../src/db/pool';
import { OrderWorkflowClient } from '../../src/temporal/order-workflow-client';
import { eventually } from '../../test/support/env';
import { result, startDefault } from '../harness';
import type { ChaosPipeline, Scenario } from '../harness';

const BIN = path.join(__dirname, '..', '..', 'bin', 'ordersync');
const STORE_3 =
  "INSERT IGNORE INTO store (store_id, code, name) VALUES (3, 'international', 'International')";

/** What the block reason must and must not say; empty when it is right. */
async function reasonFaults(p: ChaosPipeline, orderId: string, reason: string): Promise<string[]> {
  const [rows] = await p.reader.query<RowDataPacket[]>(
    'SELECT customer, shipping_address FROM orders WHERE order_id = ?',
    [orderId],
  );
  const customer = jsonColumn<Record<string, unknown>>(rows[0]?.customer) ?? {};
  const address = jsonColumn<Record<string, unknown>>(rows[0]?.shipping_address) ?? {};
  const faults: string[] = [];
  for (const want of ['upsert_order.sql', 'ER_NO_REFERENCED_ROW_2 1452'])
    if (!reason.includes(want)) faults.push(`the reason lacks "${want}"`);
  const quoted = [customer.name, customer.email, address.line1, orderId].filter(
    (v): v is string => typeof v === 'string' && reason.includes(v),
  );
  if (quoted.length > 0) faults.push(`the reason quotes ${quoted.length} value(s)`);
  return faults;
}

export const foreignKeyPoison: Scenario = async (p) => {
  if (p.target.kind !== 'sql')
    throw new Error('foreign-key-poison needs a target mapping: run it with --target magento');
  const migrator = createPool(p.cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  try {
    await migrator.query('DELETE FROM store WHERE store_id = 3');
    await startDefault(p);
    const [, poisonRun] = await Promise.all([
      p.simulate({ orders: 30, rate: 40, channels: ['online', 'store'] }),
      p.simulate({ orders: 1, channels: ['international'], creditNoteProbability: 0 }),
    ]);
    const poisoned = poisonRun.orderIds[0]!;
    const orders = new OrderWorkflowClient(p.client, {
      taskQueue: p.cfg.ORDERSYNC_TASK_QUEUE,
      workflowOptions: {},
    });
    const status = await eventually(
      async () => {
        const s = await orders.status(poisoned);
        return s.state === 'blocked' ? s : undefined;
      },
      120_000,
      `${poisoned} to be blocked`,
    );
    const reason = status.lastError ?? '';
    const faults = await reasonFaults(p, poisoned, reason);
    // Every other order reaches the ERP state while the poisoned one stays blocked.
    const others = await eventually(
      async () => {
        const r = await p.verify();
        const bad = r.mismatched.map((m) => m.orderId);
        return bad.length === 1 && bad[0] === poisoned ? r : undefined;
      },
      120_000,
      'every other order to converge',
    );
    await migrator.query(STORE_3);
    const fixedAt = Date.now();
    execFileSync(process.execPath, [BIN, 'replay', poisoned], { env: p.env, stdio: 'ignore' });
    const report = await p.converge();
    return result(p.name, report, await p.erpEvents(), (Date.now() - fixedAt) / 1000, {
      pass: faults.length === 0,
      notes: [
        `${poisoned} blocked alone (${others.matching} others matched): ${reason.slice(0, 160)}`,
        ...faults,
        ...p.restarts,
      ],
    });
  } finally {
    await migrator.query(STORE_3).catch(() => undefined);
    await migrator.end();
  }
};
