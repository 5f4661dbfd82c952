// Redelivery and late ERP commits: the poll cursor rolled back so every event is
// produced twice, and ERP transactions that commit after a later sequence.
import type { RowDataPacket } from 'mysql2/promise';
import { CursorRepository } from '../../src/db/cursor-repository';
import { waitForNoOpenRun } from '../../src/temporal/schedule';
import { eventually } from '../../test/support/env';
import { result, sleep, withTraffic } from '../harness';
import type { Scenario } from '../harness';

export const duplicates: Scenario = async (p) => {
  const { report: first, produced } = await withTraffic(p, {}, async () => undefined, {
    orders: 40,
  });
  // Roll the cursor back to the start while no poll runs: every event is produced a second time.
  const handle = p.client.schedule.getHandle(p.cfg.ORDERSYNC_SCHEDULE_ID);
  await handle.pause('chaos: rolling the cursor back');
  if (!(await waitForNoOpenRun(handle, 60_000)))
    throw new Error('timed out waiting for the open poll run to close');
  const [min] = await p.reader.query<RowDataPacket[]>(
    'SELECT MIN(seq) - 1 AS s FROM order_events WHERE order_id LIKE ?',
    [`${p.prefix}%`],
  );
  await new CursorRepository(p.app).save(p.cfg.ORDERSYNC_CURSOR_NAME, {
    position: Number(min[0]!.s),
    gaps: [],
  });
  const rolled = Date.now();
  await handle.unpause('chaos: cursor rolled back');
  // Converged already; wait until the re-produced events have passed through, then re-check.
  await eventually(
    async () => {
      const [c] = await p.app.query<RowDataPacket[]>(
        'SELECT position FROM poll_cursor WHERE name = ?',
        [p.cfg.ORDERSYNC_CURSOR_NAME],
      );
      const [m] = await p.reader.query<RowDataPacket[]>(
        'SELECT MAX(seq) AS s FROM order_events WHERE order_id LIKE ?',
        [`${p.prefix}%`],
      );
      return Number(c[0]!.position) >= Number(m[0]!.s);
    },
    60_000,
    'the re-produce to finish',
  );
  await sleep(8000);
  const report = await p.converge();
  const pass =
    report.appliedEvents === first.appliedEvents && report.skippedEvents === first.skippedEvents;
  return result(p.name, report, produced, (Date.now() - rolled) / 1000, {
    pass,
    notes: pass
      ? ['every event produced twice; the second copies changed nothing']
      : ['ledger changed after re-delivery'],
  });
};

export const lateCommits: Scenario = async (p) => {
  const { report, recovery, produced } = await withTraffic(p, {}, async () => undefined, {
    orders: 60,
    concurrency: 8,
    lateCommitProbability: 0.5,
    lateCommitMs: 1500,
  });
  return result(p.name, report, produced, recovery, {
    notes: ['half the ERP transactions commit 1.5 s after taking their sequence'],
  });
};
