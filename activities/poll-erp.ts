import { Context } from '@temporalio/activity';
import type { CursorRepository } from '../src/db/cursor-repository';
import type { ErpSource } from '../src/erp/source';
import type { EventProducer } from '../src/kafka/producer';
import { countPolledRows } from '../src/observability/metrics';

export interface PollDeps {
  erp: ErpSource;
  cursors: CursorRepository;
  producer: EventProducer;
  cursorName: string;
  pageSize: number;
  /** How long one activity keeps polling before it returns and lets the Schedule start the next. */
  budgetMs: number;
}

export interface PollReport {
  produced: number;
  /** Rows that could not be produced at all (unknown channel, oversized) and went to the DLQ. */
  deadLettered: number;
  pages: number;
  position: number;
  gaps: number;
}

export function createPollActivities(deps: PollDeps) {
  /**
   * Reads the cursor, fetches a page, produces it, and only then advances the
   * cursor. A crash between produce and advance re-produces the page; the
   * per-order workflow and the ledger make that harmless.
   */
  async function pollErpToKafka(): Promise<PollReport> {
    const started = Date.now();
    const report: PollReport = { produced: 0, deadLettered: 0, pages: 0, position: 0, gaps: 0 };
    const ctx = activityContext();
    for (;;) {
      const cursor = await deps.cursors.load(deps.cursorName);
      const { events, nextCursor } = await deps.erp.fetchEvents(cursor, deps.pageSize);
      const refused = await deps.producer.sendEvents(events);
      await deps.cursors.save(deps.cursorName, nextCursor);
      countPolledRows(events.length - refused, refused);
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

/** The activity context, or undefined when called directly (the demo's catch-up and tests). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
