import type { ChildProcess } from 'node:child_process';
import type { ScheduleHandle } from '@temporalio/client';
import { expect } from 'vitest';
import type { FixtureOrder, FixtureWriter } from '../../src/erp/fixtures/fixture-order';
import { checkNow } from '../../src/reconcile/check-now';
import type { CheckNowReport } from '../../src/reconcile/check-now';
import type { Sides } from '../../src/reconcile/sweep';
import { waitForNoOpenRun } from '../../src/temporal/schedule';
import { eventually } from './env';
import type { TestPipeline } from './pipeline';

/** A one-off check of every order whose id starts with `prefix`, re-checked at once. */
export function checkPrefix(sides: Sides, prefix: string): Promise<CheckNowReport> {
  return checkNow(sides, { scope: { idPrefix: prefix }, pageSize: 50, recheckDelayMs: 0 });
}

/** Waits until a one-off check finds no drift under `prefix`; fails at once if a process exits. */
export async function reconciledInSync(
  sides: Sides,
  prefix: string,
  children: readonly ChildProcess[],
  what: string,
  timeoutMs = 150_000,
): Promise<CheckNowReport> {
  return eventually(
    async () => {
      for (const c of children)
        if (c.exitCode !== null) throw new Error(`a process exited with ${c.exitCode}`);
      const r = await checkPrefix(sides, prefix);
      return r.drift.length === 0 ? r : undefined;
    },
    timeoutMs,
    what,
    1000,
  );
}

/** Waits until the replays have repaired every `missing`, `behind` and `missing_invoice` under `prefix`. */
export async function repairedUnder(
  sides: Sides,
  prefix: string,
  timeoutMs: number,
): Promise<CheckNowReport> {
  return eventually(
    async () => {
      const now = await checkPrefix(sides, prefix);
      const c = now.summary.counts;
      return c.missing + c.behind + c.missing_invoice === 0 ? now : undefined;
    },
    timeoutMs,
    'the replays to repair missing, behind and the lost invoices',
  );
}

/** Pauses the poll and waits until no poll run is open: ERP changes made now are not read. */
export async function pausePoll(p: TestPipeline): Promise<ScheduleHandle> {
  const poll = p.client.schedule.getHandle(p.cfg.ORDERSYNC_SCHEDULE_ID);
  await poll.pause('reconcile test');
  expect(await waitForNoOpenRun(poll, 60_000)).toBe(true);
  return poll;
}

/**
 * An order of a query-source pipeline changes while it is compared, twice:
 * the pipeline catches up during the re-check delay, then the ERP changes it
 * again between the two reads. Neither is reported; both clear.
 */
export async function changeWhileCompared(
  p: TestPipeline,
  sides: Sides,
  writer: FixtureWriter,
  moving: FixtureOrder,
  inSync: () => Promise<unknown>,
): Promise<void> {
  /** Compares the order once; `between` runs in the re-check delay. */
  const compare = (between: () => Promise<unknown>) =>
    checkNow(sides, {
      orderIds: [moving.id],
      scope: {},
      pageSize: 10,
      recheckDelayMs: 0,
      sleep: async () => {
        await between();
      },
    });
  const poll = await pausePoll(p);
  moving.lines[0]!.qty += 1;
  await writer.updateLines(moving);
  // First pass: the target is behind the ERP. During the re-check delay the
  // pipeline catches up, so the re-check finds the order in sync.
  const caughtUp = await compare(async () => {
    await poll.unpause('reconcile test');
    await inSync();
  });
  expect(caughtUp).toMatchObject({ checked: 1, cleared: 1, drift: [] });
  // The ERP changes again between the two reads: not reported either.
  await pausePoll(p);
  moving.lines[0]!.qty += 1;
  await writer.updateLines(moving);
  const changing = await compare(() => {
    moving.lines[0]!.qty += 1;
    return writer.updateLines(moving);
  });
  expect(changing).toMatchObject({ checked: 1, cleared: 1, drift: [] });
  await poll.unpause('reconcile test');
  await inSync();
}
