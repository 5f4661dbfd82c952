import { Context } from '@temporalio/activity';
import { sendingSql } from '../src/db/mysql-errors';
import type { DroppedGapRange } from '../src/erp/cursor';
import { countDropped, countSeqs } from '../src/erp/cursor';
import { describeRanges, recordDroppedGaps } from '../src/erp/gap-stats';
import { nextWatchWait, pollWatchDeadline } from '../src/erp/poll-settings';
import type { ErpFeed } from '../src/erp/feed';
import type { EventProducer } from '../src/kafka/producer';
import { createLogger } from '../src/log';
import { countLateRows, countPolledRows } from '../src/observability/metrics';

export interface PollDeps {
  /** What the poll reads, with its checkpoint: the outbox or the query source. */
  feed: ErpFeed;
  producer: EventProducer;
  pageSize: number;
  /** How long one activity keeps polling (paging, then watching) before it returns and lets the Schedule start the next. */
  budgetMs: number;
  /**
   * Once caught up, how often the activity reads the change log again while it
   * watches for new rows (see PollRequest); by default once per Schedule
   * interval; 0: it returns as soon as it has caught up.
   */
  rereadMs?: number;
  /** Where dropped gaps are reported; the default writes a warning line per reason. */
  onGapsDropped?: (ranges: DroppedGapRange[]) => void;
  /** Where rows that arrived after their gap was dropped are reported; the default writes a warning line. */
  onLateRows?: (rows: Array<{ seq: number; orderId: string }>) => void;
  /** Aborted when the worker starts to shut down: a watching poll returns at once. */
  stopping?: AbortSignal;
}

export interface PollReport {
  /** Change-log rows fetched, produced or dead-lettered. */
  read: number;
  produced: number;
  /** Rows that could not be produced at all (unknown channel, oversized) and went to the DLQ. */
  deadLettered: number;
  pages: number;
  /** Of those, the reads made after the poll had caught up, watching for new rows. */
  rereads: number;
  /** The cursor when the poll began: its position and the gaps it tracked. */
  positionBefore: number;
  gapsBefore: number;
  position: number;
  gaps: number;
  /** Sequences the cursor stopped waiting for (expired); each is logged. */
  gapsDropped: number;
  /** Rows produced after their gap had been given up (late beyond the gap TTL); each order id is logged. */
  lateRows: number;
}

/** What the poll workflow passes to the activity. */
export interface PollRequest {
  /**
   * The interval of the Schedule that started the run. With it, a caught-up
   * poll keeps re-reading the change log (every `rereadMs`, by default every
   * `everyMs`) until just before one of the Schedule's runs is due, within its
   * budget (`pollWatchDeadline`). Absent: one catch-up.
   */
  everyMs?: number;
}

export function createPollActivities(deps: PollDeps) {
  const { feed } = deps;
  /**
   * Reads a page from the feed, produces it, and only then saves the feed's
   * checkpoint. A crash between produce and save re-produces the page; the
   * per-order workflow and the ledger make that harmless.
   */
  async function pollErpToKafka(request: PollRequest = {}): Promise<PollReport> {
    const started = Date.now();
    const report: PollReport = {
      read: 0,
      produced: 0,
      deadLettered: 0,
      pages: 0,
      rereads: 0,
      positionBefore: 0,
      gapsBefore: 0,
      position: 0,
      gaps: 0,
      gapsDropped: 0,
      lateRows: 0,
    };
    const ctx = activityContext();
    const onGapsDropped = deps.onGapsDropped ?? logDroppedGaps;
    // A first send may wait on a lazy Kafka connect longer than the heartbeat timeout;
    // the ticker keeps a slow but live attempt from being taken for a dead one.
    const ticker = ctx ? setInterval(() => ctx.heartbeat(report), 5_000) : undefined;
    try {
      // The ERP and cursor statements carry no customer data, but an error never leaves with SQL in it.
      return await sendingSql(() => pollPages(ctx, started, request, report, onGapsDropped));
    } finally {
      clearInterval(ticker);
    }
  }

  async function pollPages(
    ctx: Context | undefined,
    started: number,
    request: PollRequest,
    report: PollReport,
    onGapsDropped: (ranges: DroppedGapRange[]) => void,
  ): Promise<PollReport> {
    const rereadMs = deps.rereadMs ?? request.everyMs ?? 0;
    // Watching never outlasts the budget, which the activity's timeout allows for.
    const watchUntil = request.everyMs
      ? pollWatchDeadline(started, request.everyMs, started + deps.budgetMs)
      : 0;
    const signals = [ctx?.cancellationSignal, deps.stopping].filter(
      (x): x is AbortSignal => x !== undefined,
    );
    let caughtUp = false;
    for (;;) {
      const page = await feed.next(deps.pageSize);
      const { events, droppedGaps, late, forgotten } = page;
      if (report.pages === 0) {
        report.positionBefore = page.before.position;
        report.gapsBefore = page.before.gaps;
      }
      const refused = await deps.producer.sendEvents(events);
      await page.commit();
      // Counted only once saved: a failed attempt is repeated and would count its drops twice.
      if (droppedGaps.length > 0) {
        recordDroppedGaps(droppedGaps);
        report.gapsDropped += countDropped(droppedGaps);
        onGapsDropped(droppedGaps);
      }
      if (late.length > 0) {
        countLateRows(late.length);
        report.lateRows += late.length;
        (deps.onLateRows ?? logLateRows)(late.map((e) => ({ seq: e.seq, orderId: e.orderId })));
      }
      if (forgotten.length > 0) logForgotten(forgotten);
      countPolledRows(events.length - refused, refused);
      report.read += events.length;
      report.produced += events.length - refused;
      report.deadLettered += refused;
      report.pages++;
      if (caughtUp) report.rereads++;
      report.position = page.after.position;
      report.gaps = page.after.gaps;
      ctx?.heartbeat(report);
      if (signals.some((x) => x.aborted)) break;
      if (Date.now() - started > deps.budgetMs) break;
      if (!page.full) {
        caughtUp = true;
        const wait = nextWatchWait(Date.now(), rereadMs, watchUntil);
        if (wait === null) break;
        // Cancellation, or the worker starting to shut down, ends the wait at once.
        if (!(await pause(wait, signals))) break;
      }
    }
    return report;
  }

  return { pollErpToKafka };
}

const log = createLogger('poll');

/** Waits `ms`; false if one of `signals` aborted first (or already had). */
function pause(ms: number, signals: readonly AbortSignal[]): Promise<boolean> {
  if (signals.some((x) => x.aborted)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      for (const x of signals) x.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    for (const x of signals) x.addEventListener('abort', onAbort, { once: true });
  });
}

/** One warning per 200 ranges naming every dropped sequence; no row data. */
function logDroppedGaps(ranges: DroppedGapRange[]): void {
  for (const seqs of describeRanges(ranges)) {
    log.warn('poll cursor dropped change-log gaps; still looking for them as late rows', {
      reason: 'expired',
      count: countDropped(ranges),
      seqs,
    });
  }
}

/** One warning per 200 rows naming the orders whose events arrived after their gap was dropped. */
function logLateRows(rows: Array<{ seq: number; orderId: string }>): void {
  for (let i = 0; i < rows.length; i += 200) {
    const some = rows.slice(i, i + 200);
    log.warn(
      'change-log rows arrived after their gap was dropped (late beyond the gap TTL); produced now',
      {
        count: some.length,
        orderIds: [...new Set(some.map((r) => r.orderId))],
        seqs: some.map((r) => r.seq).join(','),
      },
    );
  }
}

/** Dropped sequences that never appeared within the late watch: from now on they are not looked for. */
function logForgotten(ranges: Array<{ from: number; to: number }>): void {
  for (const seqs of describeRanges(ranges)) {
    log.info('stopped looking for dropped change-log sequences (late watch over)', {
      count: countSeqs(ranges),
      seqs,
    });
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
