// Three orders with a wrong total block alone while the others converge; the
// ERP is corrected and the orders are replayed through the CLI.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { OrderWorkflowClient } from '../../src/temporal/order-workflow-client';
import { eventually } from '../../test/support/env';
import { fixPoisonedOrder } from '../../test/support/erp-fixes';
import { result, startDefault } from '../harness';
import type { Scenario } from '../harness';

const BIN = path.join(__dirname, '..', '..', 'bin', 'ordersync');

export const poison: Scenario = async (p) => {
  await startDefault(p);
  const sim = await p.simulate({ orders: 30, poisonOrders: 3 });
  const poisoned = sim.orderIds.slice(0, 3);
  const orders = new OrderWorkflowClient(p.client, {
    taskQueue: p.cfg.ORDERSYNC_TASK_QUEUE,
    workflowOptions: {},
  });
  for (const id of poisoned) {
    await eventually(
      async () => (await orders.status(id)).state === 'blocked',
      120_000,
      `${id} to be blocked`,
    );
  }
  // The others proceed: every non-poisoned order reaches the ERP state.
  const others = await eventually(
    async () => {
      const r = await p.verify();
      const bad = new Set(r.mismatched.map((m) => m.orderId));
      return poisoned.every((id) => bad.has(id)) && bad.size === poisoned.length ? r : undefined;
    },
    120_000,
    'the healthy orders to converge',
  );
  // Correct the data in the ERP, then replay each order.
  for (const id of poisoned) await fixPoisonedOrder(p.writer, id);
  const fixedAt = Date.now();
  for (const id of poisoned) {
    execFileSync(process.execPath, [BIN, 'replay', id], {
      env: p.env,
      stdio: 'ignore',
    });
  }
  const report = await p.converge();
  return result(p.name, report, await p.erpEvents(), (Date.now() - fixedAt) / 1000, {
    notes: [
      `${poisoned.length} poisoned orders blocked alone (${others.matching} others matched), replayed after the ERP fix`,
    ],
  });
};
