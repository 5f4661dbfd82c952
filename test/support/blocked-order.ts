import type { OrderEvent } from '../../src/contracts/events';
import { workflowOptionsFromConfig } from '../../src/config';
import { OrderWorkflowClient } from '../../src/temporal/order-workflow-client';
import { eventually } from './env';
import { orderHistory } from './order-events';
import type { TestPipeline } from './pipeline';

/**
 * An order whose update (v2) carries a total that is not the sum of its lines:
 * the apply rejects it as bad data and the order turns `blocked`. Returns the
 * creation, the poisoned update and the invoice (v3), which stays held.
 */
export function poisonedOrder(orderId: string): [OrderEvent, OrderEvent, OrderEvent] {
  const [create, update, invoice] = orderHistory(orderId, 1) as [
    OrderEvent,
    OrderEvent & { data: { total: string } },
    OrderEvent,
  ];
  const poisoned = { ...update, data: { ...update.data, total: '666.00' } } as OrderEvent;
  return [create, poisoned, invoice];
}

/** The order client of a pipeline, as the consumer and the CLI build it. */
export const pipelineOrders = (p: TestPipeline) =>
  new OrderWorkflowClient(p.client, {
    taskQueue: p.cfg.ORDERSYNC_TASK_QUEUE,
    workflowOptions: workflowOptionsFromConfig(p.cfg),
  });

/** Waits until a running worker reports the order in `state`. */
export const reachState = (orders: OrderWorkflowClient, orderId: string, state: string) =>
  eventually(
    async () => (await orders.status(orderId, 5_000)).state === state,
    120_000,
    `${orderId} to be ${state}`,
  );
