import type { Client } from '@temporalio/client';
import { workflowOptionsFromConfig } from '../config';
import type { Config } from '../config';
import { createTemporalClient } from '../temporal/connection';
import { OrderWorkflowClient } from '../temporal/order-workflow-client';

/** Runs `fn` with a Temporal client and the order-workflow client on it, then closes the connection. */
export async function withTemporal<T>(
  cfg: Config,
  fn: (orders: OrderWorkflowClient, client: Client) => Promise<T>,
): Promise<T> {
  const client = await createTemporalClient(cfg);
  try {
    return await fn(
      new OrderWorkflowClient(client, {
        taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
        workflowOptions: workflowOptionsFromConfig(cfg),
      }),
      client,
    );
  } finally {
    await client.connection.close();
  }
}
