/**
 * `ordersync target check`: every write of the target, for one sample order
 * per event type, then the read back, inside one transaction that is always
 * rolled back. Exit 0 only when every step succeeds.
 */
import type { Pool } from 'mysql2/promise';
import { planApply } from '../contracts/apply-plan';
import { mysqlCode } from '../db/mysql-errors';
import { expectedFrom, orderDifferences } from './compare-order';
import type { Target } from './port';
import { sampleOrderEvents } from './sample-order';
import { describeProblems, targetProblems } from './startup-check';
import { TargetMappingError, TargetSchemaError } from './target-errors';

export interface CheckStep {
  step: string;
  ok: boolean;
  detail: string;
  /** The failure is the schema's or the mapping's (a missing table or column), not the sample's data. */
  schema?: boolean;
}

const describe = (err: unknown, target: Target): string => {
  if (target.isDataError(err)) return target.describeDataError(err);
  if (err instanceof TargetSchemaError) return err.message;
  return `${mysqlCode(err) ?? (err as Error).name}: ${(err as Error).message}`;
};

export async function checkTarget(pool: Pool, target: Target): Promise<CheckStep[]> {
  const steps: CheckStep[] = [];
  const problems = await targetProblems(pool, target);
  steps.push(...problems.map((p) => ({ step: `schema ${p.where}`, ok: false, detail: p.message })));
  if (problems.length === 0)
    steps.push({ step: 'schema', ok: true, detail: 'tables, columns and parameters match' });
  const events = sampleOrderEvents();
  const orderId = events[0]!.orderId;
  const plan = planApply({ orderId, events, order: null, ledger: new Map(), invoices: new Map() });
  const conn = await pool.getConnection();
  try {
    await conn.beginTransaction();
    for (const s of plan.steps) {
      const name = `${s.event.type} v${s.event.erpVersion}${'kind' in s.event.data && s.event.data.kind ? ` (${s.event.data.kind})` : ''}`;
      if (!s.write) {
        steps.push({
          step: name,
          ok: false,
          detail: `the sample was not planned as a write: ${JSON.stringify(s.outcome)}`,
        });
        continue;
      }
      try {
        await target.writeStep(conn, orderId, s.write);
        steps.push({ step: name, ok: true, detail: 'written' });
      } catch (err) {
        steps.push({
          step: name,
          ok: false,
          detail: describe(err, target),
          schema: err instanceof TargetSchemaError,
        });
      }
    }
    try {
      const stored = await target.readOrder(conn, orderId);
      // Read back, the sample must equal what was written: a read_order.sql that
      // maps a field wrongly would otherwise pass here and fail only in the oracle.
      // The differences name fields, never values.
      const why = stored ? orderDifferences(expectedFrom(events), stored) : [];
      steps.push(
        !stored
          ? {
              step: 'read order',
              ok: false,
              detail: 'the order just written reads back as missing',
            }
          : why.length > 0
            ? {
                step: 'read order',
                ok: false,
                detail: `read back unlike the sample: ${why.join('; ')}`,
              }
            : {
                step: 'read order',
                ok: true,
                detail: `${stored.lines.length} line(s), ${stored.invoices.length} invoice(s), equal to the sample`,
              },
      );
    } catch (err) {
      steps.push({
        step: 'read order',
        ok: false,
        detail: describe(err, target),
        schema: err instanceof TargetSchemaError,
      });
    }
  } finally {
    await conn.rollback().catch(() => undefined);
    conn.release();
  }
  return steps;
}

/**
 * The worker's start-up check: the bookkeeping schema version, then every
 * statement run for the sample order and rolled back. PREPARE alone is not
 * enough: MariaDB resolves an INSERT … SELECT's column list only when it runs.
 * Throws TargetMappingError (exit 78) naming every file, table and column at
 * fault; a sample the schema refuses as data (a constraint of the retailer's)
 * does not stop the worker.
 */
export async function requireTargetReady(pool: Pool, target: Target): Promise<CheckStep[]> {
  const steps = await checkTarget(pool, target);
  const fatal = steps.filter((s) => !s.ok && s.schema);
  if (fatal.length > 0)
    throw new TargetMappingError(
      `the ${target.kind} target cannot be used: ${describeProblems(fatal.map((s) => ({ where: s.step, message: s.detail })))}`,
      fatal[0]!.step,
    );
  return steps;
}
