import { Context } from '@temporalio/activity';
import type { CursorRepository } from '../src/db/cursor-repository';
import type { DroppedGapRange } from '../src/erp/cursor';
import { countDropped } from '../src/erp/cursor';
import { describeRanges, recordDroppedGaps } from '../src/erp/gap-stats';
import type { ErpSource } from '../src/erp/source';
import type { EventProducer } from '../src/kafka/producer';
import { createLogger } from '../src/log';
import { countPolledRows } from '../src/observability/metrics';

export interface PollDeps {
  erp: ErpSource;
  cursors: CursorRepository;
  producer: EventProducer;
  cursorName: string;
  pageSize: number;
  /** How long one activity keeps polling before it returns and lets the Schedule start the next. */
  budgetMs: number;
  /** Where dropped gaps are reported; the default writes a warning line per reason. */
  onGapsDropped?: (ranges: DroppedGapRange[]) => void;
}

export interface PollReport {
  /** Change-log rows fetched, produced or dead-lettered. */
  read: number;
  produced: number;
  /** Rows that could not be produced at all (unknown channel, oversized) and went to the DLQ. */
  deadLettered: number;
  pages: number;
  /** The cursor when the poll began: its position and the gaps it tracked. */
  positionBefore: number;
  gapsBefore: number;
  position: number;
  gaps: number;
  /** Sequences the cursor stopped waiting for (expired or over the cap); each is logged. */
  gapsDropped: number;
}

export function createPollActivities(deps: PollDeps) {
  /**
   * Reads the cursor, fetches a page, produces it, and only then advances the
   * cursor. A crash between produce and advance re-produces the page; the
   * per-order workflow and the ledger make that harmless.
   */
  async function pollErpToKafka(): Promise<PollReport> {
    const started = Date.now();
    const report: PollReport = {
      read: 0,
      produced: 0,
      deadLettered: 0,
      pages: 0,
      positionBefore: 0,
      gapsBefore: 0,
      position: 0,
      gaps: 0,
      gapsDropped: 0,
    };
    const ctx = activityContext();
    const onGapsDropped = deps.onGapsDropped ?? logDroppedGaps;
    // A first send may wait on a lazy Kafka connect longer than the heartbeat timeout;
    // the ticker keeps a slow but live attempt from being taken for a dead one.
    const ticker = ctx ? setInterval(() => ctx.heartbeat(report), 5_000) : undefined;
    try {
      return await pollPages(ctx, started, report, onGapsDropped);
    } finally {
      clearInterval(ticker);
    }
  }

  async function pollPages(
    ctx: Context | undefined,
    started: number,
    report: PollReport,
    onGapsDropped: (ranges: DroppedGapRange[]) => void,
  ): Promise<PollReport> {
    for (;;) {
      const cursor = await deps.cursors.load(deps.cursorName);
      if (report.pages === 0) {
        report.positionBefore = cursor.position;
        report.gapsBefore = cursor.gaps.length;
      }
      const { events, nextCursor, droppedGaps } = await deps.erp.fetchEvents(cursor, deps.pageSize);
      const refused = await deps.producer.sendEvents(events);
      await deps.cursors.save(deps.cursorName, nextCursor);
      // Counted only once saved: a failed attempt is repeated and would count its drops twice.
      if (droppedGaps.length > 0) {
        recordDroppedGaps(droppedGaps);
        report.gapsDropped += countDropped(droppedGaps);
        onGapsDropped(droppedGaps);
      }
      countPolledRows(events.length - refused, refused);
      report.read += events.length;
      report.produced += events.length - refused;
      report.deadLettered += refused;
      report.pages++;
      report.position = nextCursor.position;
      report.gaps = nextCursor.gaps.length;
      ctx?.heartbeat(report);
      if (ctx?.cancellationSignal.aborted) break;
      if (events.length < deps.pageSize || Date.now() - started > deps.budgetMs) break;
    }
    return report;
  }

  return { pollErpToKafka };
}

const log = createLogger('poll');

/** One warning per reason (and per 200 ranges) naming every dropped sequence; no row data. */
function logDroppedGaps(ranges: DroppedGapRange[]): void {
  for (const reason of ['expired', 'cap'] as const) {
    const mine = ranges.filter((r) => r.reason === reason);
    if (mine.length === 0) continue;
    for (const seqs of describeRanges(mine)) {
      log.warn('poll cursor dropped change-log gaps', {
        reason,
        count: countDropped(mine),
        seqs,
      });
    }
  }
}

/** The activity context, or undefined when called directly (the demo's catch-up and tests). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
