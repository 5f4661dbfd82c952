import type { Pool } from 'mysql2/promise';
import type { TotalRule } from '../src/contracts/total-rule';
import type { ErpFeed } from '../src/erp/feed';
import type { OrderHistorySource } from '../src/erp/source';
import type { EventProducer } from '../src/kafka/producer';
import type { Target } from '../src/target/port';
import { instrumentApply } from '../src/observability/apply-metrics';
import { createApplyActivities } from './apply-order-events';
import { checkContract } from './contract-check';
import { createDeadLetterActivities } from './dead-letter';
import { createPollActivities } from './poll-erp';
import { createReadErpActivities } from './read-erp';
import { createReconcileActivities } from './reconcile';
import type { ReconcileDeps } from './reconcile';

export interface ActivityDeps {
  pool: Pool;
  /** Where the apply writes business rows (required, so no entrypoint writes the built-in tables by omission). */
  target: Target;
  /** What replays read. */
  erp: OrderHistorySource;
  /** What the poll reads. */
  feed: ErpFeed;
  producer: EventProducer;
  pageSize: number;
  pollBudgetMs: number;
  /** How often a caught-up poll reads the change log again (default: the Schedule's interval); 0: never. */
  pollRereadMs?: number;
  /** Aborted when the worker starts to shut down. */
  stopping?: AbortSignal;
  /** `ORDERSYNC_TOTAL_RULE` (default `strict`). */
  totalRule?: TotalRule;
  /** The two sides reconciliation reads, and the replay that repairs. */
  reconcile: ReconcileDeps;
}

/** All activities, with their dependencies injected; the worker registers the result. */
export function createActivities(deps: ActivityDeps) {
  const { applyOrderEvents } = createApplyActivities({
    pool: deps.pool,
    target: deps.target,
    totalRule: deps.totalRule,
  });
  return {
    // Every event is checked against the contract before it reaches MySQL (events signalled by hand).
    ...instrumentApply({
      applyOrderEvents: (input: Parameters<typeof applyOrderEvents>[0]) => {
        checkContract(input);
        return applyOrderEvents(input);
      },
    }),
    ...createReadErpActivities({ erp: deps.erp }),
    ...createDeadLetterActivities({ producer: deps.producer }),
    ...createReconcileActivities(deps.reconcile),
    ...createPollActivities({
      feed: deps.feed,
      producer: deps.producer,
      pageSize: deps.pageSize,
      budgetMs: deps.pollBudgetMs,
      rereadMs: deps.pollRereadMs,
      stopping: deps.stopping,
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
