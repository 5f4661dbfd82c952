import type { DroppedGapRange } from './cursor';
import type { ErpEvent } from './source';

/** Where a feed stands, for the poll's report and the lag gauges. */
export interface FeedPosition {
  /** The outbox cursor's sequence, or the query watermark in epoch milliseconds. */
  position: number;
  /** Sequences the outbox cursor still waits for (gap ranges counted by size); always 0 for the query source. */
  gaps: number;
}

/** One page read from the ERP and the checkpoint it leads to. */
export interface FeedPage {
  events: ErpEvent[];
  /** Outbox sequences this page stopped waiting for. */
  droppedGaps: DroppedGapRange[];
  /**
   * Events of this page whose sequence had already been given up (committed
   * after the gap TTL): produced like the others, and reported as late.
   */
  late: ErpEvent[];
  /** Given-up outbox sequences no longer looked for (their late watch is over). */
  forgotten: Array<{ from: number; to: number }>;
  /** The read was cut at its limit, so more may follow at once. */
  full: boolean;
  before: FeedPosition;
  after: FeedPosition;
  /**
   * Saves the checkpoint the page leads to. Called only after Kafka
   * acknowledged every event of the page, so a crash before it re-reads the page.
   */
  commit(): Promise<void>;
}

/**
 * What the poll activity reads from: the ERP and ordersync's own checkpoint of
 * it, kept in the target MySQL whatever the ERP is. Adapters: the outbox
 * (a sequence cursor with gaps) and the query source (a watermark, a look-back
 * window and a hash per order).
 */
export interface ErpFeed {
  next(limit: number): Promise<FeedPage>;
  /** How far behind the ERP the saved checkpoint is, as the lag gauges report it. */
  backlog(): Promise<{ lag: number; gaps: number }>;
}
