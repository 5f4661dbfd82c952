import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_NO_WORKER } from '../../src/cli/status-fallback';
import { pipelineOrders, poisonedOrder, reachState } from '../support/blocked-order';
import { uniqueOrderId } from '../support/order-events';
import { runCli } from '../support/cli';
import { TestPipeline } from '../support/pipeline';

// `ordersync status` when the worker is down: the query goes unanswered, and the
// CLI prints what the Temporal server knows and exits with EXIT_NO_WORKER.
let p: TestPipeline;
const orderId = uniqueOrderId('NOWK');
const [create, poisoned, invoice] = poisonedOrder(orderId);

const cli = (...args: string[]) => runCli(p.env, ...args);

describe('ordersync status without a worker', () => {
  beforeAll(async () => {
    p = await TestPipeline.create('nowk');
    const orders = pipelineOrders(p);
    const worker = p.start('worker');
    await orders.deliver(orderId, 'online', [create, poisoned]);
    await reachState(orders, orderId, 'blocked');
    await p.stop(worker);
    // Arrives while no worker runs: the server holds the signal for the next one.
    await orders.deliver(orderId, 'online', [invoice]);
  }, 180_000);

  afterAll(async () => {
    await p?.client.workflow
      .getHandle(orderId)
      .terminate('test done')
      .catch(() => undefined);
    await p?.close();
  });

  it('prints the server view, says no worker polls, and exits with the documented status', async () => {
    const { code, stdout } = await cli('status', orderId);
    expect(code, stdout).toBe(EXIT_NO_WORKER);
    expect(stdout).toContain(`No worker is polling the task queue "${p.cfg.ORDERSYNC_TASK_QUEUE}"`);
    expect(stdout).toContain(`${orderId} (online): blocked`);
    expect(stdout).toContain('run: RUNNING');
    expect(stdout).toContain(`summary: Order ${orderId} · online`);
    expect(stdout).toContain('signals not yet taken by a worker: 1');
    expect(stdout).toMatch(/ {4}\S+ {2}events: v3 invoice_creation/);
    expect(stdout).toContain('apply v1 order_creation, v2 order_updation');
    expect(stdout).toContain(`once the ERP data is fixed: ordersync replay ${orderId}`);
    expect(stdout).not.toContain('Failed to query Workflow');
  }, 60_000);

  it('prints the same as JSON with --json', async () => {
    const { code, stdout } = await cli('status', orderId, '--json');
    expect(code, stdout).toBe(EXIT_NO_WORKER);
    const view = JSON.parse(stdout) as Record<string, unknown>;
    expect(view).toMatchObject({
      answered: false,
      orderId,
      state: 'blocked',
      channel: 'online',
      pendingSignals: [{ name: 'events', events: 'v3 invoice_creation' }],
    });
  }, 60_000);
});
