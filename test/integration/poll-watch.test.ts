import { MockActivityEnvironment } from '@temporalio/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { afterEach, describe, expect, it } from 'vitest';
import { createPollActivities } from '../../activities/poll-erp';
import type { PollReport, PollRequest } from '../../activities/poll-erp';
import { MysqlErpSource } from '../../src/erp/mysql-source';
import { OutboxFeed } from '../../src/erp/outbox/outbox-feed';
import { simulate } from '../../src/erp/simulator';
import { testEnv } from '../support/env';
import { caughtUpPollSuite, messagesOnEventTopics } from '../support/poll-fixture';

// The poll activity watching the change log after it has caught up: against the
// real ERP tables, the real cursor row and a real broker.
const { cfg } = testEnv('poll-watch');
const suite = caughtUpPollSuite(cfg);

let env: MockActivityEnvironment;
afterEach(() => env?.removeAllListeners());

/**
 * The poll activity in an activity context (heartbeats and cancellation),
 * re-reading every 100 ms, with `budgetMs` to page and watch in.
 */
function runPoll(
  request: PollRequest,
  budgetMs: number,
  opts: {
    onHeartbeat?: (r: PollReport) => void;
    /** 'interval': ORDERSYNC_POLL_REREAD unset. */
    reread?: number | 'interval';
    stopping?: AbortSignal;
  } = {},
): Promise<PollReport> {
  env = new MockActivityEnvironment();
  const { onHeartbeat, reread = 100, stopping } = opts;
  if (onHeartbeat) env.on('heartbeat', (d: unknown) => onHeartbeat(d as PollReport));
  const { pollErpToKafka } = createPollActivities({
    feed: new OutboxFeed(
      new MysqlErpSource(suite.reader),
      suite.cursors,
      cfg.ORDERSYNC_CURSOR_NAME,
    ),
    producer: suite.producer,
    pageSize: 500,
    budgetMs,
    rereadMs: reread === 'interval' ? undefined : reread,
    stopping,
  });
  return env.run(pollErpToKafka, request);
}

/** An hourly Schedule: no run falls due within a test's budget, so a run watches all of it. */
const HOURLY = 3_600_000;

const cursorSavedAt = async (): Promise<string> => {
  const [rows] = await suite.app.query<RowDataPacket[]>(
    'SELECT CAST(updated_at AS CHAR) AS t FROM poll_cursor WHERE name = ?',
    [cfg.ORDERSYNC_CURSOR_NAME],
  );
  return String(rows[0]!.t);
};

const messagesOnAll = () => messagesOnEventTopics(suite.admin, cfg);

describe('a caught-up poll watching the change log', () => {
  it('produces rows committed after it caught up, in the same run, and moves the cursor past them', async () => {
    const before = await messagesOnAll();
    let written: Promise<number> | undefined;
    // Every second with 4 s of budget: it watches until 500 ms before a due time 3 to 4 s on.
    const report = await runPoll({ everyMs: 1000 }, 4000, {
      onHeartbeat: () => {
        // The first heartbeat comes after the first read: the run has caught up.
        written ??= simulate(suite.writer, {
          orders: 2,
          prefix: `W${Date.now()}`,
          lateCommitProbability: 0,
          concurrency: 1,
        }).then((s) => s.events);
      },
    });
    const events = await written!;
    expect(events).toBeGreaterThan(0);
    expect(report.produced).toBe(events);
    expect(report.rereads).toBeGreaterThan(0);
    // Every row went to Kafka before the run returned, and the cursor is past the last.
    expect((await messagesOnAll()) - before).toBe(events);
    const [maxSeq] = await suite.reader.query<RowDataPacket[]>(
      'SELECT MAX(seq) AS s FROM order_events',
    );
    expect(report.position).toBe(Number(maxSeq[0]!.s));
    expect((await suite.cursors.load(cfg.ORDERSYNC_CURSOR_NAME)).position).toBe(report.position);
  }, 30_000);

  it('without an interval returns once caught up: one read, no re-reads', async () => {
    const report = await runPoll({}, 60_000);
    expect(report).toMatchObject({ pages: 1, rereads: 0, read: 0 });
  });

  it('re-reads once per Schedule interval unless told otherwise', async () => {
    // Every second with 3 s of budget: reads at 0, 1 and 2 s and a last one at its deadline,
    // 2 to 3 s on (re-reading every 100 ms it would read over twenty times).
    const report = await runPoll({ everyMs: 1000 }, 3000, { reread: 'interval' });
    expect(report.rereads).toBeGreaterThanOrEqual(1);
    expect(report.rereads).toBeLessThanOrEqual(4);
  });

  it('writes no cursor row for reads that found nothing', async () => {
    const saved = await cursorSavedAt();
    const report = await runPoll({ everyMs: HOURLY }, 700);
    expect(report.rereads).toBeGreaterThan(0);
    expect(report.read).toBe(0);
    expect(await cursorSavedAt()).toBe(saved);
  });

  // Each waits a whole minute between reads unless the abort ends the wait; the tests' own
  // 10 s limit fails them if it does not.
  it('ends a wait at once when the activity is cancelled, returning its report', async () => {
    let timer: NodeJS.Timeout | undefined;
    const report = await runPoll({ everyMs: HOURLY }, 60_000, {
      reread: 60_000,
      onHeartbeat: () => {
        timer ??= setTimeout(() => env.cancel(), 300);
      },
    });
    expect(report).toMatchObject({ pages: 1, rereads: 0 });
  }, 10_000);

  it('ends a wait at once when the worker starts to shut down', async () => {
    const stopping = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const report = await runPoll({ everyMs: HOURLY }, 60_000, {
      reread: 60_000,
      stopping: stopping.signal,
      onHeartbeat: () => {
        timer ??= setTimeout(() => stopping.abort(), 300);
      },
    });
    expect(report).toMatchObject({ pages: 1, rereads: 0 });
  }, 10_000);
});
