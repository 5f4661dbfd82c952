import type { OrderEventInput } from '../contracts/events';
import type { DroppedGapRange, PollCursor } from './cursor';

/**
 * The ERP as ordersync sees it. Events are passed on as the ERP wrote them;
 * validation happens in the consumer, which trusts no producer.
 */
export interface ErpSource extends OrderHistorySource {
  /**
   * Events after `cursor` (and in its gap and dropped ranges, see
   * `rangesToRead`), oldest first, the cursor to save once they are produced,
   * the gaps that cursor no longer waits for, and the dropped ranges it no
   * longer looks for late rows in.
   */
  fetchEvents(
    cursor: PollCursor,
    limit: number,
  ): Promise<{
    events: ErpEvent[];
    nextCursor: PollCursor;
    droppedGaps: DroppedGapRange[];
    forgotten?: Array<{ from: number; to: number }>;
  }>;
}

/** What a replay reads: one order's events, from the outbox or rebuilt from the ERP's current state. */
export interface OrderHistorySource {
  /** One order's events from `fromVersion` on, in version order, at most `limit`. */
  fetchOrderEvents(orderId: string, fromVersion: number, limit: number): Promise<ErpEvent[]>;
}

/** A change-log entry shaped as the Kafka contract's value (not yet validated). */
export type ErpEvent = OrderEventInput & { seq: number };
