/**
 * The target port: where an order's business rows go. ordersync's guarantees
 * (locks, the ledger, the per-order sync state, planApply) stay in the apply;
 * a target only turns planned writes into rows of the retailer's schema, reads
 * an order back, and says which of its errors are the data's fault.
 */
import type { Pool, PoolConnection } from 'mysql2/promise';
import type { PlannedWrite } from '../contracts/apply-plan';
import type { EventType } from '../contracts/events';
import type { Statement } from './statement';

export const TARGET_KINDS = ['builtin', 'sql'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** An order as a target stores it, in the contract's shape; fields the target does not keep are absent. */
export interface StoredOrder {
  orderId: string;
  fields: Record<string, unknown>;
  lines: Array<Record<string, unknown>>;
  invoices: Array<Record<string, unknown>>;
}

/** What a target that predates the bookkeeping tables holds for an order (the built-in row). */
export interface LegacyOrderState {
  erpVersion: number;
  snapshotVersion: number;
  lastEventType: EventType;
  currency: string;
  invoiced: boolean;
}

/** One thing wrong with a target's schema or mapping, with where it is. */
export interface TargetProblem {
  /** The mapping file or built-in table the problem is in. */
  where: string;
  message: string;
}

export interface Target {
  readonly kind: TargetKind;
  /**
   * Writes a plan's business rows inside the open transaction. Returns the
   * statements that still have to be sent (the apply sends them with the ledger
   * and COMMIT in one round trip); a target that sends its own returns [].
   */
  writeBatch(conn: PoolConnection, orderId: string, writes: PlannedWrite[]): Promise<Statement[]>;
  /** One plan step's writes on their own, so a refused write names its event. */
  writeStep(conn: PoolConnection, orderId: string, write: PlannedWrite): Promise<void>;
  /** Whether `err`, thrown by a write, means this event's data cannot be stored. */
  isDataError(err: unknown): boolean;
  /** The block reason for a data error: the statement (file) and MySQL's code, never a value. */
  describeDataError(err: unknown): string;
  /** The stored order in the contract's shape, or null (the oracle and reconciliation read this). */
  readOrder(pool: Pool | PoolConnection, orderId: string): Promise<StoredOrder | null>;
  /** The order as a target written before the bookkeeping tables holds it, if it can tell. */
  legacyState(conn: PoolConnection, orderId: string): Promise<LegacyOrderState | null>;
  /** Problems with the schema the target writes (missing tables or columns); empty when fine. */
  checkSchema(pool: Pool): Promise<TargetProblem[]>;
}
