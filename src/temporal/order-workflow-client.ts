import type { Client } from '@temporalio/client';
import type { Channel, OrderEvent } from '../contracts/events';
import { ORDER_CHANNEL, ORDER_SYNC_STATE } from '../contracts/search-attributes';
import { resolveOrderSyncOptions } from '../contracts/workflow-types';
import type { OrderSyncOptions, OrderSyncStatus, ReplayRequest } from '../contracts/workflow-types';
import {
  eventsSignal,
  orderSyncWorkflow,
  replaySignal,
  statusQuery,
} from '../../workflows/order-sync';
import { orderSummary } from '../../workflows/order-details';

/** The workflow id of an order's workflow is the order id itself. */
export const orderWorkflowId = (orderId: string): string => orderId;

export interface OrderWorkflowClientOptions {
  taskQueue: string;
  workflowOptions: Partial<OrderSyncOptions>;
}

/** Everything ordersync asks of per-order workflows, in one place for the consumer and the CLI. */
export class OrderWorkflowClient {
  /** Every option resolved here, so a running workflow never reads a default from code. */
  private readonly workflowOptions: OrderSyncOptions;

  constructor(
    private readonly client: Client,
    private readonly options: OrderWorkflowClientOptions,
  ) {
    this.workflowOptions = resolveOrderSyncOptions(options.workflowOptions);
  }

  /** OrderSyncState for a run this client starts: what its first upsert would otherwise have to write. */
  private startState(): string {
    return this.workflowOptions.attentionState ? 'ok' : 'new';
  }

  /** Starts the order's workflow if needed and queues the events; resolves once Temporal has persisted the signal. */
  async deliver(orderId: string, channel: Channel, events: OrderEvent[]): Promise<void> {
    await this.client.workflow.signalWithStart(orderSyncWorkflow, {
      workflowId: orderWorkflowId(orderId),
      taskQueue: this.options.taskQueue,
      args: [{ orderId, channel, options: this.workflowOptions }],
      signal: eventsSignal,
      signalArgs: [events],
      typedSearchAttributes: [
        { key: ORDER_CHANNEL, value: channel },
        { key: ORDER_SYNC_STATE, value: this.startState() },
      ],
      staticSummary: orderSummary(orderId, channel),
    });
  }

  /** Asks the order's workflow; with `timeoutMs`, gives up when no worker answers in time. */
  async status(orderId: string, timeoutMs?: number): Promise<OrderSyncStatus> {
    const ask = () => this.client.workflow.getHandle(orderWorkflowId(orderId)).query(statusQuery);
    return timeoutMs === undefined ? ask() : this.client.withDeadline(Date.now() + timeoutMs, ask);
  }

  /** Signals a replay; a closed workflow is started again so the replay runs. */
  async replay(orderId: string, channel: Channel, req: ReplayRequest): Promise<void> {
    await this.client.workflow.signalWithStart(orderSyncWorkflow, {
      workflowId: orderWorkflowId(orderId),
      taskQueue: this.options.taskQueue,
      args: [{ orderId, channel, options: this.workflowOptions }],
      signal: replaySignal,
      signalArgs: [req],
      typedSearchAttributes: [
        { key: ORDER_CHANNEL, value: channel },
        { key: ORDER_SYNC_STATE, value: this.startState() },
      ],
      staticSummary: orderSummary(orderId, channel),
    });
  }

  /** Order ids matching a visibility query, e.g. `OrderSyncState = "blocked"`. */
  async *find(query: string): AsyncGenerator<{ orderId: string; channel: Channel | undefined }> {
    const seen = new Set<string>();
    for await (const wf of this.client.workflow.list({
      query: `WorkflowType = "orderSyncWorkflow" AND ExecutionStatus = "Running" AND (${query})`,
    })) {
      if (seen.has(wf.workflowId)) continue;
      seen.add(wf.workflowId);
      const channel = wf.typedSearchAttributes.get(ORDER_CHANNEL) as Channel | undefined;
      yield { orderId: wf.workflowId, channel };
    }
  }
}
