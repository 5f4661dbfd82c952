import type { Pool, PoolConnection } from 'mysql2/promise';
import { faultPoint } from '../src/chaos-hooks';
import { planApply, rejectAt } from '../src/contracts/apply-plan';
import type { ApplyPlan } from '../src/contracts/apply-plan';
import type { TotalRule } from '../src/contracts/total-rule';
import type { ApplyInput, ApplyResult } from '../src/contracts/workflow-types';
import { applyFailure, mysqlCode } from '../src/db/mysql-errors';
import { createBuiltinTarget } from '../src/target/builtin';
import type { Target } from '../src/target/port';
import type { Statement } from '../src/target/statement';
import { send } from '../src/target/statement';
import { bookkeepingWrites, lockAndRead } from './apply-bookkeeping';

/**
 * READ COMMITTED for the apply's connections, set once per connection rather
 * than once per transaction: a locking read of a not-yet-existing order takes
 * no gap lock, so two new orders' applies cannot deadlock on the same index gap.
 */
const readCommittedConnections = new WeakSet<object>();
async function readCommitted(conn: PoolConnection): Promise<void> {
  const raw = (conn as unknown as { connection?: object }).connection ?? conn;
  if (readCommittedConnections.has(raw)) return;
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  readCommittedConnections.add(raw);
}

/** A write of plan step `index` failed; carries the cause out of the transaction. */
class StepWriteError extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super('step write failed');
  }
}

/** A batched write failed; the steps are written one by one to find the event at fault. */
class BatchWriteError extends Error {
  constructor(override readonly cause: unknown) {
    super('batched write failed');
  }
}

export interface ApplyHooks {
  /** Runs inside the transaction after the reads, before any write (tests hold an apply here). */
  afterReads?: (orderId: string) => Promise<void>;
}

export interface ApplyDeps {
  pool: Pool;
  /** Where the business rows go; the built-in tables when not given. */
  target?: Target;
  hooks?: ApplyHooks;
  /** `ORDERSYNC_TOTAL_RULE`; default `strict`. */
  totalRule?: TotalRule;
}

/**
 * Options of the apply's own pool. A transaction goes to MySQL in two round
 * trips (begin, lock and read; the writes, the ledger and commit), each of
 * several statements; every value is still a `?` parameter that mysql2 escapes.
 * No stack is captured per statement (mysql2's `trace`): it cost the worker
 * about 2% of its main thread, and apply errors travel on as code and message
 * only (applyFailure), never with a stack.
 */
export const APPLY_POOL_OPTIONS = { multipleStatements: true, trace: false } as const;

/** Fails fast when `pool` is a mysql2 pool that sends one statement per query. */
function requireMultipleStatements(pool: Pool): void {
  const config = (pool as { pool?: { config?: { connectionConfig?: object } } }).pool?.config
    ?.connectionConfig as { multipleStatements?: boolean } | undefined;
  if (config && !config.multipleStatements)
    throw new Error(
      'applyOrderEvents needs a pool created with multipleStatements: true (APPLY_POOL_OPTIONS)',
    );
}

export function createApplyActivities({
  pool,
  target = createBuiltinTarget(),
  hooks,
  totalRule,
}: ApplyDeps) {
  requireMultipleStatements(pool);
  /**
   * One transaction: lock and read, plan (or the given plan cut), write,
   * record, commit. Batched, the built-in target needs two round trips: begin,
   * lock and read; every write, the ledger rows, the sync state and the
   * commit. Step by step, each plan step writes on its own, so a refused write
   * names its event.
   */
  async function attempt(
    input: ApplyInput,
    how: { batched: boolean; cut?: { index: number; error: string } },
  ): Promise<ApplyPlan> {
    const conn = await pool.getConnection();
    try {
      await readCommitted(conn);
      const state = await lockAndRead(conn, target, input);
      await hooks?.afterReads?.(input.orderId);
      let plan = planApply({ ...state, totalRule });
      if (how.cut) plan = rejectAt(plan, how.cut.index, how.cut.error);
      const bookkeeping = bookkeepingWrites(state, plan);
      const writes = plan.steps.flatMap((step) => (step.write ? [step.write] : []));
      if (how.batched) {
        // The bookkeeping and COMMIT go with the target's remaining writes; MySQL
        // runs none of the statements after one that fails, so a refused write
        // commits nothing and the rollback below ends the transaction. Should the
        // bookkeeping be what MySQL refuses, the step-by-step attempt sends it
        // alone and its error is thrown (and retried). Building the statements
        // is inside the try too: a date we cannot format is bad data.
        let statements: Statement[];
        try {
          statements = await target.writeBatch(conn, input.orderId, writes);
        } catch (err) {
          throw new BatchWriteError(err);
        }
        statements.push(...bookkeeping, { sql: 'COMMIT', params: [] });
        faultPoint('worker-in-apply-tx');
        try {
          await send(conn, statements);
        } catch (err) {
          throw new BatchWriteError(err);
        }
        faultPoint('worker-after-apply-commit');
        return plan;
      }
      for (const [index, step] of plan.steps.entries()) {
        if (!step.write) continue;
        try {
          await target.writeStep(conn, input.orderId, step.write);
        } catch (err) {
          throw new StepWriteError(index, err);
        }
      }
      if (bookkeeping.length > 0) await send(conn, bookkeeping);
      faultPoint('worker-in-apply-tx');
      await conn.commit();
      faultPoint('worker-after-apply-commit');
      return plan;
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw err;
    } finally {
      conn.release();
    }
  }

  /** Whether a failed attempt may have met another order's row of the same id (ledger or invoice). */
  const raced = (err: unknown) =>
    mysqlCode(err instanceof BatchWriteError ? err.cause : err) === 'ER_DUP_ENTRY';

  /**
   * Applies a batch of one order's events in one transaction, in the given
   * order, as `planApply` decides. Idempotent: the ledger turns a retried
   * attempt into "skipped: duplicate". Bad data comes back as a `rejected`
   * outcome, never as a thrown error: when the target refuses to store an
   * event, the transaction is rolled back and run again up to that event,
   * which is then rejected. An event id (or invoice id) that another order
   * committed between this attempt's read and its writes fails the attempt
   * with a duplicate key; it is run once more at once, reads that row, and
   * rejects the event. Anything thrown is transient and retried.
   */
  async function applyOrderEvents(input: ApplyInput): Promise<ApplyResult> {
    try {
      let plan: ApplyPlan;
      try {
        plan = await attempt(input, { batched: true }).catch((err: unknown) => {
          if (!raced(err)) throw err;
          return attempt(input, { batched: true });
        });
      } catch (err) {
        if (!(err instanceof BatchWriteError) || !target.isDataError(err.cause)) throw err;
        // The target refused some event's data: write step by step to learn which one.
        try {
          plan = await attempt(input, { batched: false });
        } catch (stepErr) {
          if (!(stepErr instanceof StepWriteError) || !target.isDataError(stepErr.cause))
            throw stepErr;
          plan = await attempt(input, {
            batched: false,
            cut: { index: stepErr.index, error: target.describeDataError(stepErr.cause) },
          });
        }
      }
      return { outcomes: plan.steps.map((s) => s.outcome), order: plan.order };
    } catch (err) {
      throw applyFailure(
        err instanceof StepWriteError || err instanceof BatchWriteError ? err.cause : err,
      );
    }
  }

  return { applyOrderEvents };
}
