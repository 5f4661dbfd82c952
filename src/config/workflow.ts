import { z } from 'zod';
import { DEFAULT_ORDER_SYNC_OPTIONS } from '../contracts/workflow-types';
import { THIS_RELEASE_OPTIONS } from '../contracts/workflow-types';
import type { OrderSyncOptions } from '../contracts/workflow-types';
import {
  MAX_POLL_BUDGET_MS,
  MIN_POLL_REREAD_MS,
  POLL_ACTIVITY_TIMEOUT_MS,
} from '../erp/poll-settings';
import { ConfigError } from './config-error';
import { bool, duration, positiveInt } from './values';

/** What the order workflows are started with, and the poll Schedule and its cursor. */
export const workflowEnv = z.object({
  // The defaults are the workflow's own, so an option has one default wherever it is set.
  ORDERSYNC_INVOICE_WAIT: duration.default(DEFAULT_ORDER_SYNC_OPTIONS.invoiceWaitMs),
  ORDERSYNC_IDLE_CLOSE: duration.default(DEFAULT_ORDER_SYNC_OPTIONS.idleCloseMs),
  ORDERSYNC_LOCAL_APPLY: bool.default(DEFAULT_ORDER_SYNC_OPTIONS.localApply),
  ORDERSYNC_SCHEDULE_ID: z.string().min(1).default('ordersync-erp-poll'),
  ORDERSYNC_CURSOR_NAME: z.string().min(1).max(64).default('erp-order-events'),
  ORDERSYNC_POLL_PAGE_SIZE: positiveInt.default(500),
  ORDERSYNC_POLL_BUDGET: duration.default(20_000),
  // Unset: a watching poll re-reads once per Schedule interval.
  ORDERSYNC_POLL_REREAD: duration.optional(),
});

/**
 * The poll budget must leave the last page time inside the poll activity's
 * timeout; a re-read period is 0 (off) or long enough not to be a busy loop.
 */
export function checkWorkflowEnv(cfg: z.infer<typeof workflowEnv>): void {
  const reread = cfg.ORDERSYNC_POLL_REREAD;
  if (reread !== undefined && reread !== 0 && reread < MIN_POLL_REREAD_MS) {
    throw new ConfigError(
      `ORDERSYNC_POLL_REREAD: ${reread} ms is below ${MIN_POLL_REREAD_MS} ms; use 0 to turn re-reading off`,
      ['ORDERSYNC_POLL_REREAD'],
    );
  }
  if (cfg.ORDERSYNC_POLL_BUDGET > MAX_POLL_BUDGET_MS) {
    throw new ConfigError(
      `ORDERSYNC_POLL_BUDGET: ${cfg.ORDERSYNC_POLL_BUDGET} ms is more than ${MAX_POLL_BUDGET_MS} ms, ` +
        `the poll activity's ${POLL_ACTIVITY_TIMEOUT_MS / 1000} s timeout less ${(POLL_ACTIVITY_TIMEOUT_MS - MAX_POLL_BUDGET_MS) / 1000} s for the last page`,
      ['ORDERSYNC_POLL_BUDGET'],
    );
  }
}

/**
 * The order-workflow options that come from the environment. Only the starters
 * (the consumer, and the CLI's `replay`) pass them: a workflow takes them into its
 * input at its first start and carries them across continue-as-new.
 */
export function workflowOptionsFromConfig(
  cfg: z.infer<typeof workflowEnv>,
): Pick<
  OrderSyncOptions,
  | 'invoiceWaitMs'
  | 'idleCloseMs'
  | 'localApply'
  | 'oneIdleTimer'
  | 'attentionState'
  | 'closeWhenInvoiced'
  | 'fewerPromises'
  | 'resumableRuns'
  | 'validateSignals'
> {
  return {
    invoiceWaitMs: cfg.ORDERSYNC_INVOICE_WAIT,
    idleCloseMs: cfg.ORDERSYNC_IDLE_CLOSE,
    localApply: cfg.ORDERSYNC_LOCAL_APPLY,
    ...THIS_RELEASE_OPTIONS,
  };
}
