// The real pipeline, measured from ERP commit to MySQL apply, in phases on the
// same worker and consumer processes: burst (the whole load unthrottled),
// steady (a fixed rate), spread (each order's events far apart) and, on
// request, a burst after opening many workflows that fall out of the cache.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { workflowOptionsFromConfig } from '../../src/config';
import type { SimulateOptions } from '../../src/erp/simulator';
import { OrderWorkflowClient } from '../../src/temporal/order-workflow-client';
import { waitForNoOpenRun } from '../../src/temporal/schedule';
import { DEFAULT_WORKER_SIZING } from '../../src/worker';
import { eventually } from '../../test/support/env';
import type { TestPipeline } from '../../test/support/pipeline';
import { ACTIONS_COUNTED, countActions } from '../actions';
import type {
  BenchOptions,
  FloorResult,
  FloorRound,
  OpenWorkflowsResult,
  OrdersyncResult,
  SpreadResult,
  SteadyResult,
} from '../common';
import { cpuMsPerEvent, log, ms, percentile, round, rows, warmUpOrders } from '../common';
import type { ProcUsage } from '../metering';
import type { PipelineFloorResult } from './pipeline-floor';
import { meter } from '../metering';
import { startProcess } from '../../src/cli/processes';
import { targetDiffsFromErp } from '../../src/erp/query/compare-target';
import { createTarget } from '../../src/target/create-target';
import { verifyThroughTarget } from '../../src/target/verify-target';
import type { VerifyReport } from '../../src/verify';
import type { OpenFixture } from '../erp-fixture';
import { installTargetTables } from '../target-mapping';
import {
  copyProducedEvents,
  ledgerChecks,
  openFixture,
  startAtPresent,
  writeFixtureBurst,
} from '../erp-fixture';

/** The bench's poll Schedule interval; the steady phase's latency goal is relative to it. */
export const POLL_INTERVAL_MS = 1000;
/** Mean events per simulated order at update probability p: creation, p/(1-p) updates, invoice. */
const eventsPerOrder = (p: number) => 2 + p / (1 - p);

export interface OrdersyncRun {
  burst: OrdersyncResult | null;
  steady: SteadyResult | null;
  spread: SpreadResult | null;
  openWorkflows: OpenWorkflowsResult | null;
  /** Paired burst/floor rounds, when a floor round was given; the first is the burst above. */
  rounds: FloorRound[];
  /** The first round's floor, in full. */
  floor: FloorResult | null;
  /** The first round's pipeline floor, in full, when one ran. */
  pipelineFloor: PipelineFloorResult | null;
  /** The burst's prefix, so the other systems can replay the same events. */
  burstPrefix: string;
}

/**
 * Runs the floor on the events written under a prefix, in that many events per
 * hand-over, metering the `background` processes over the same window.
 */
export type FloorRunner = (
  prefix: string,
  eventsPerHandover: number,
  background: Record<string, ChildProcess>,
) => Promise<FloorResult>;

/** Runs the pipeline floor on the events written under a prefix, metering `background` alike. */
export type PipelineFloorRunner = (
  prefix: string,
  background: Record<string, ChildProcess>,
  shape?: { paced?: boolean },
) => Promise<PipelineFloorResult>;

interface Phase {
  events: number;
  wallSeconds: number;
  eventsPerSec: number;
  lags: number[];
  processes: ProcUsage[];
  orderIds: string[];
  perOrder: Map<string, number>;
  violations: number;
  lost: number;
  duplicates: number;
}

/**
 * Runs ordersync's phases on one worker and consumer set. With `floor`, the
 * burst is repeated `opts.rounds` times, each followed by the floor on its
 * events, so drift on a shared machine hits both sides of every ratio.
 */
export async function runOrdersync(
  p: TestPipeline,
  opts: BenchOptions,
  prefix: string,
  floor?: FloorRunner,
  pipelineFloor?: PipelineFloorRunner,
): Promise<OrdersyncRun> {
  const { reader, app, client } = p;
  const children: Record<string, ChildProcess> = {};
  // Fixed metrics ports, so Prometheus or curl can watch a run: workers 9471.., consumers 9481..
  const metrics = (role: string, port: number) => {
    log(`${role}: http://127.0.0.1:${port}/metrics`);
    return { ORDERSYNC_METRICS_ADDRESS: `127.0.0.1:${port}` };
  };
  // One directory of profiles per process (one file per thread), e.g. <dir>/worker-1.
  const profiling = (name: string) =>
    opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(opts.cpuProf, name)}`] : [];
  // --erp: the query source reads the fixture's tables, and the poll runs in its own
  // process so its CPU is its own. --target: the apply writes through the mapping.
  const fixture: OpenFixture | null = opts.erp ? await openFixture(p, opts.erp) : null;
  const sourceEnv: NodeJS.ProcessEnv = {
    ...(opts.erp && {
      ORDERSYNC_ERP_SOURCE: 'query',
      ORDERSYNC_ERP_URL: fixture!.readerUrl,
      ORDERSYNC_ERP_MAPPING: opts.erp.mapping,
      ...(opts.erpLookback && { ORDERSYNC_ERP_LOOKBACK: opts.erpLookback }),
    }),
    ...(opts.target && { ORDERSYNC_TARGET: 'sql', ORDERSYNC_TARGET_MAPPING: opts.target }),
  };
  const target = opts.target
    ? createTarget({ ...p.cfg, ORDERSYNC_TARGET: 'sql', ORDERSYNC_TARGET_MAPPING: opts.target })
    : null;
  if (fixture) await startAtPresent(app, p.cfg.ORDERSYNC_CURSOR_NAME, opts.erp!);
  if (opts.target && (await installTargetTables(p.cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, opts.target)))
    log(`target: ${opts.target}: its fixture tables installed`);
  const queues = opts.erp ? ['--queues', 'orders'] : [];
  for (let i = 1; i <= opts.workers; i++)
    children[`worker ${i}`] = startProcess(
      'worker',
      queues,
      { ...p.env, ...sourceEnv, ...metrics(`worker ${i}`, 9470 + i) },
      profiling(`worker-${i}`),
    );
  if (opts.erp)
    children['poll'] = startProcess(
      'worker',
      ['--queues', 'poll'],
      { ...p.env, ...sourceEnv, ...metrics('poll', 9479) },
      profiling('poll'),
    );
  for (let i = 1; i <= opts.consumers; i++)
    children[`consumer ${i}`] = p.start(
      'consumer',
      { ...sourceEnv, ...metrics(`consumer ${i}`, 9480 + i) },
      profiling(`consumer-${i}`),
    );

  /** The oracle for one prefix: through the target mapping's read_order.sql with --target. */
  const converge = (pfx: string, timeoutMs: number, what: string): Promise<VerifyReport> =>
    target
      ? eventually(
          async () => {
            for (const c of Object.values(children))
              if (c.exitCode !== null) throw new Error(`${what}: a child process exited`);
            const r = await verifyThroughTarget(reader, app, pfx, target);
            return r.unaccounted === 0 && r.mismatched.length === 0 ? r : undefined;
          },
          timeoutMs,
          what,
        )
      : p.converge(pfx, timeoutMs, what, { alive: Object.values(children) });

  /** Ledger rows (applied or skipped) of a prefix; fails once a child process exited. */
  const ledgerCount = async (name: string, pfx: string): Promise<number> => {
    for (const c of Object.values(children))
      if (c.exitCode !== null) throw new Error(`${name}: a child process exited`);
    const [r] = await rows(
      app,
      'SELECT COUNT(*) AS n FROM ordersync_applied_events WHERE order_id LIKE ?',
      [`${pfx}-%`],
    );
    return Number(r?.n ?? 0);
  };

  /**
   * --erp: writes `orders` orders' lives through the fixture writer with the
   * poll paused, then lets the poll read them and waits until the ledger stops
   * growing and the target equals the ERP as the mapping reads it. The fixture
   * writer is far slower than the simulator: read while it wrote, the phase
   * would measure the writer, where the floors read a backlog. Metered from the
   * poll's resumption to when the ledger last grew. Then copies the produced
   * events into the change log, where the floors and the lag figures read them.
   */
  const fixturePhase = async (name: string, pfx: string, orders: number, timeoutMs: number) => {
    const { orderIds, changes } = await whilePaused(`${name}: the ERP writing`, () =>
      writeFixtureBurst(fixture!.writer, orders, pfx),
    );
    log(`${name}: ${changes} ERP transactions written for ${orders} orders; the poll reads them`);
    const resumed = Date.now();
    const stop = meter(children, name);
    let last = -1;
    let lastChange = Date.now();
    let processes = stop();
    let diffs: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = await ledgerCount(name, pfx);
      if (n !== last) {
        if (Math.floor(n / 1000) !== Math.floor(last / 1000)) log(`${name}: applied+skipped ${n}`);
        last = n;
        lastChange = Date.now();
        processes = stop();
      } else if (n > 0 && Date.now() - lastChange >= 3 * POLL_INTERVAL_MS) {
        diffs = await targetDiffsFromErp(fixture!.queries, app, orderIds);
        if (diffs.length === 0) break;
        lastChange = Date.now();
      }
      if (Date.now() > deadline)
        throw new Error(
          `${name}: the target does not equal the ERP after ${timeoutMs / 1000} s; still: ${diffs.slice(0, 5).join('; ')}`,
        );
      await new Promise((res) => setTimeout(res, 1000));
    }
    const copied = await copyProducedEvents(p, pfx);
    const ledger = await ledgerCount(name, pfx);
    const faults = await ledgerChecks(app, pfx);
    return {
      resumed,
      written: { events: copied, orderIds },
      processes,
      // Produced events without a ledger row (the target already equals the ERP).
      report: { ...faults, lost: Math.max(0, copied - ledger) },
    };
  };

  /** Writes one load, waits until every event is applied and measures it. */
  const phase = async (
    name: string,
    pfx: string,
    sim: Partial<SimulateOptions>,
    timeoutMs: number,
  ): Promise<Phase> => {
    if (fixture) {
      const f = await fixturePhase(name, pfx, sim.orders ?? opts.orders, timeoutMs);
      return measured(pfx, f.written, f.processes, f.report, f.resumed);
    }
    const stop = meter(children, name);
    const written = await p.simulate({
      concurrency: 4,
      updateProbability: opts.updates,
      ...sim,
      prefix: pfx,
      onEvent: (w, planned) => {
        if (w % 1000 === 0) log(`${name}: ERP written ${w}/${planned}`);
      },
    });
    // Wait on one indexed count, then run the full oracle once: the oracle reads
    // every row of the phase, and polling it would spend the CPU being measured.
    let lastLog = 0;
    await eventually(
      async () => {
        const done = await ledgerCount(name, pfx);
        if (Date.now() - lastLog > 5000) {
          lastLog = Date.now();
          log(`${name}: applied+skipped ${done}/${written.events}`);
        }
        return done >= written.events;
      },
      timeoutMs,
      `${name}: ordersync to apply every event`,
      1000,
    );
    const processes = stop();
    const report = await converge(pfx, timeoutMs, `${name}: ordersync to apply every event`);
    return measured(pfx, written, processes, {
      violations: report.orderingViolations,
      lost: report.unaccounted,
      duplicates: report.duplicates,
    });
  };

  /** A phase's figures from the change log and the ledger, once every event was applied. */
  const measured = async (
    pfx: string,
    written: { events: number; orderIds: string[] },
    processes: ProcUsage[],
    report: { violations: number; lost: number; duplicates: number },
    /** When the phase's reading began (epoch ms), if not at the first ERP write. */
    from?: number,
  ): Promise<Phase> => {
    const erpTimes = await rows(
      reader,
      'SELECT event_id, order_id, occurred_at FROM order_events WHERE order_id LIKE ?',
      [`${pfx}-%`],
    );
    const applied = await rows(
      app,
      'SELECT event_id, applied_at FROM ordersync_applied_events WHERE order_id LIKE ?',
      [`${pfx}-%`],
    );
    const occurred = new Map(erpTimes.map((r) => [String(r.event_id), ms(String(r.occurred_at))]));
    const lags = applied
      .map((r) => ms(String(r.applied_at)) - (occurred.get(String(r.event_id)) ?? 0))
      .sort((a, b) => a - b);
    const first = from ?? Math.min(...occurred.values());
    const last = Math.max(...applied.map((r) => ms(String(r.applied_at))));
    const wall = (last - first) / 1000;
    const perOrder = new Map<string, number>();
    for (const r of erpTimes)
      perOrder.set(String(r.order_id), (perOrder.get(String(r.order_id)) ?? 0) + 1);
    return {
      events: written.events,
      wallSeconds: round(wall),
      eventsPerSec: round(written.events / wall),
      lags,
      processes,
      orderIds: written.orderIds,
      perOrder,
      ...report,
    };
  };
  const actionsOf = (ph: Phase) =>
    countActions(client, ph.orderIds.slice(0, Math.min(200, ph.orderIds.length)), ph.perOrder);

  /** One burst of opts.orders orders, measured, with its actions counted. */
  const burstPhase = async (name: string, pfx: string): Promise<OrdersyncResult> => {
    const b = await phase(name, pfx, { orders: opts.orders }, opts.timeoutMs);
    const counted = await actionsOf(b);
    return {
      events: b.events,
      wallSeconds: b.wallSeconds,
      eventsPerSec: b.eventsPerSec,
      p50LagMs: percentile(b.lags, 50),
      p95LagMs: percentile(b.lags, 95),
      p99LagMs: percentile(b.lags, 99),
      lagFrom: 'ERP commit (occurred_at) → MySQL apply',
      violations: b.violations,
      lost: b.lost,
      duplicates: b.duplicates,
      actionsPerEvent: counted.actionsPerEvent,
      actionsByKind: counted.byKind,
      eventsPerHandover: counted.eventsPerHandover,
      actionsCounted: `${ACTIONS_COUNTED}, over ${Math.min(200, b.orderIds.length)} sampled orders`,
      processes: b.processes,
      cpuMsPerEvent: cpuMsPerEvent(b.processes, b.events),
    };
  };

  /** Runs `work` with ordersync's poll Schedule paused and its open poll run finished. */
  const whilePaused = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const schedule = client.schedule.getHandle(p.cfg.ORDERSYNC_SCHEDULE_ID);
    await schedule.pause(`bench: ${what} runs`);
    try {
      // The open poll run's reads are not the floor's.
      await waitForNoOpenRun(schedule, 60_000);
      return await work();
    } finally {
      // The Schedule is deleted when the run ends anyway: a failed unpause must not hide why the round failed.
      await schedule
        .unpause(`bench: ${what} ended`)
        .catch((err: unknown) => log(`could not unpause the poll Schedule: ${String(err)}`));
    }
  };

  /**
   * The floor on one burst's events. ordersync's processes stay up (restarting
   * them would cost a warm-up per round) with its poll Schedule paused; the CPU
   * they use in the floor's metered window is reported as the floor's handicap.
   */
  const floorRound = async (
    r: number,
    pfx: string,
    b: OrdersyncResult,
    run: FloorRunner,
  ): Promise<{ round: FloorRound; floor: FloorResult; pipeline: PipelineFloorResult | null }> => {
    const { f, pf } = await whilePaused('a floor round', async () => {
      log(
        `floor round ${r}/${opts.rounds}: the same events, ${b.eventsPerHandover ?? 1} per hand-over`,
      );
      const f = await run(pfx, b.eventsPerHandover ?? 1, children);
      let pf: PipelineFloorResult | null = null;
      if (pipelineFloor) {
        log(`pipeline floor round ${r}/${opts.rounds}: the same events, ERP to MySQL`);
        pf = await pipelineFloor(pfx, children);
      }
      return { f, pf };
    });
    const floorCpu = f.processes
      .filter((x) => x.name !== 'bench (this process)')
      .reduce((sum, x) => sum + x.cpuSeconds, 0);
    return {
      floor: f,
      pipeline: pf,
      round: {
        round: r,
        ordersyncEventsPerSec: b.eventsPerSec,
        floorEventsPerSec: f.eventsPerSec,
        vsFloor: round(b.eventsPerSec / f.eventsPerSec),
        ordersyncCpuMsPerEvent: b.cpuMsPerEvent,
        floorCpuMsPerEvent: f.cpuMsPerEvent,
        ordersyncIdleCpuSeconds: f.backgroundCpuSeconds,
        idleShareOfFloorCpu: round(f.backgroundCpuSeconds / Math.max(0.01, floorCpu)),
        ...(pf && {
          pipelineFloorEventsPerSec: pf.eventsPerSec,
          vsPipelineFloor: round(b.eventsPerSec / pf.eventsPerSec),
          pipelineFloorCpuMsPerEvent: pf.cpuMsPerEvent,
        }),
        violations: b.violations,
        lost: b.lost,
        duplicates: b.duplicates,
      },
    };
  };

  const out: OrdersyncRun = {
    burst: null,
    steady: null,
    spread: null,
    openWorkflows: null,
    rounds: [],
    floor: null,
    pipelineFloor: null,
    burstPrefix: prefix,
  };
  try {
    await p.schedule(POLL_INTERVAL_MS);
    // Warm-up: worker start, consumer group join, first workflows.
    if (fixture) {
      const warm = await phase(
        'warm-up',
        `${prefix}W`,
        { orders: warmUpOrders(opts.orders) },
        180_000,
      );
      log(`warm-up done (${warm.events} events)`);
    } else {
      const warm = await p.simulate({
        orders: warmUpOrders(opts.orders),
        prefix: `${prefix}W`,
        concurrency: 4,
      });
      await converge(`${prefix}W`, 180_000, 'warm-up');
      log(`warm-up done (${warm.events} events)`);
    }

    if (opts.profile !== 'spread') {
      log(`burst: ${opts.orders} orders written unthrottled`);
      const first = await burstPhase('burst', prefix);
      out.burst = first;
      if (floor) {
        for (let r = 1; r <= opts.rounds; r++) {
          const pfx = r === 1 ? prefix : `${prefix}R${r}`;
          let b = first;
          if (r > 1) {
            log(`burst round ${r}/${opts.rounds}: ${opts.orders} orders written unthrottled`);
            b = await burstPhase(`burst round ${r}`, pfx);
          }
          const done = await floorRound(r, pfx, b, floor);
          out.rounds.push(done.round);
          if (r === 1) {
            out.floor = done.floor;
            out.pipelineFloor = done.pipeline;
          }
        }
      }
    }

    const peak = out.burst?.eventsPerSec;
    const rate = opts.rate ?? (peak !== undefined ? round(peak / 2) : undefined);
    // The fixture writer has no rate or spacing: from an ERP mapping, the burst only.
    if (fixture && (opts.duration > 0 || opts.profile !== 'burst'))
      log('--erp: the steady and spread phases need the simulator; only the burst runs');
    if (!fixture && opts.duration > 0 && rate !== undefined) {
      const orders = Math.max(1, Math.round((rate * opts.duration) / eventsPerOrder(opts.updates)));
      log(`steady: ${rate} events/s for about ${opts.duration} s (${orders} orders)`);
      const s = await phase('steady', `${prefix}S`, { orders, rate }, opts.timeoutMs);
      out.steady = {
        rate,
        durationS: s.wallSeconds,
        events: s.events,
        eventsPerSec: s.eventsPerSec,
        p50LagMs: percentile(s.lags, 50),
        p95LagMs: percentile(s.lags, 95),
        p99LagMs: percentile(s.lags, 99),
        pollIntervalMs: POLL_INTERVAL_MS,
        actionsPerEvent: (await actionsOf(s)).actionsPerEvent,
        cpuMsPerEvent: cpuMsPerEvent(s.processes, s.events),
        violations: s.violations,
        lost: s.lost,
        duplicates: s.duplicates,
      };
    }

    if (!fixture && opts.profile !== 'burst') {
      // Offered as fast as the burst went (or --rate), with enough orders in
      // flight that each order's events lie eventGapMs apart.
      const offered = opts.rate ?? peak ?? 50;
      const orders = Math.max(1, Math.round(opts.orders / 2));
      const inFlight = Math.min(orders, Math.max(4, Math.ceil((offered * opts.eventGapMs) / 1000)));
      log(
        `spread: ${orders} orders, ${inFlight} in flight, ${opts.eventGapMs} ms between an order's events, at most ${offered} events/s`,
      );
      const s = await phase(
        'spread',
        `${prefix}P`,
        { orders, rate: offered, concurrency: inFlight, eventGapMs: opts.eventGapMs },
        opts.timeoutMs,
      );
      const counted = await actionsOf(s);
      out.spread = {
        events: s.events,
        eventGapMs: opts.eventGapMs,
        offeredRate: offered,
        eventsPerSec: s.eventsPerSec,
        actionsPerEvent: counted.actionsPerEvent,
        actionsByKind: counted.byKind,
        eventsPerHandover: counted.eventsPerHandover,
        p50LagMs: percentile(s.lags, 50),
        p99LagMs: percentile(s.lags, 99),
        cpuMsPerEvent: cpuMsPerEvent(s.processes, s.events),
        violations: s.violations,
        lost: s.lost,
        duplicates: s.duplicates,
      };
      if (pipelineFloor) {
        const pf = await whilePaused('the spread pipeline floor', () => {
          log('pipeline floor, spread shape: the same events, produced as the ERP wrote them');
          return pipelineFloor(`${prefix}P`, children, { paced: true });
        });
        out.spread.pipelineFloor = {
          eventsPerSec: pf.eventsPerSec,
          actionsPerEvent: pf.actionsPerEvent ?? null,
          actionsByKind: pf.actionsByKind ?? {},
          eventsPerHandover: pf.eventsPerHandover ?? null,
          cpuMsPerEvent: pf.cpuMsPerEvent,
        };
      }
    }

    if (!fixture && opts.openWorkflows > 0 && out.burst) {
      out.openWorkflows = await openThenBurst(p, opts, prefix, phase, out.burst);
    }
    return out;
  } finally {
    await client.schedule
      .getHandle(p.cfg.ORDERSYNC_SCHEDULE_ID)
      .delete()
      .catch(() => undefined);
    await Promise.all(Object.values(children).map((c) => p.stop(c)));
    await fixture?.close();
  }
}

/**
 * Opens `opts.openWorkflows` order workflows (an empty hand-over each: the
 * workflow starts and waits, idle), more than the worker caches, then runs
 * the burst again and compares it with the warm one.
 */
async function openThenBurst(
  p: TestPipeline,
  opts: BenchOptions,
  prefix: string,
  phase: (name: string, pfx: string, sim: Partial<SimulateOptions>, t: number) => Promise<Phase>,
  warm: OrdersyncResult,
): Promise<OpenWorkflowsResult> {
  const orders = new OrderWorkflowClient(p.client, {
    taskQueue: p.cfg.ORDERSYNC_TASK_QUEUE,
    workflowOptions: workflowOptionsFromConfig(p.cfg),
  });
  const n = opts.openWorkflows;
  log(`open-workflows: opening ${n} idle order workflows`);
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: p.cfg.ORDERSYNC_SIGNAL_CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++;
        await orders.deliver(`${prefix}O-${String(i).padStart(7, '0')}`, 'online', []);
        if (i > 0 && i % 5000 === 0) log(`open-workflows: ${i}/${n} opened`);
      }
    }),
  );
  // Started is not yet run: wait until the worker has taken the last one's first task
  // and the queue holds no other first task, so the cold burst does not queue behind them.
  const lastId = `${prefix}O-${String(n - 1).padStart(7, '0')}`;
  let lastLog = Date.now();
  // The worker takes each first task in turn (tens per second here), so the wait grows with N.
  const waitMs = Math.max(opts.timeoutMs, n * 50);
  const deadline = Date.now() + waitMs;
  for (let empty = 0; empty < 2;) {
    const d = await p.client.workflow.getHandle(lastId).describe();
    const backlog = await workflowBacklog(p);
    empty = (d.historyLength ?? 0) > 2 && backlog === 0 ? empty + 1 : 0;
    if (Date.now() > deadline)
      throw new Error(
        `open-workflows: ${backlog} workflow tasks still queued after ${waitMs / 1000} s (the server's approximate count)`,
      );
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log(`open-workflows: ${backlog} workflow tasks still queued`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const openSeconds = (Date.now() - started) / 1000;
  log(`open-workflows: ${n} opened in ${round(openSeconds)} s; burst again`);
  const cold = await phase('cold burst', `${prefix}C`, { orders: opts.orders }, opts.timeoutMs);
  const worker = cold.processes.filter((x) => x.name.startsWith('worker'));
  return {
    workflows: n,
    openSeconds: round(openSeconds),
    openedPerSec: round(n / openSeconds),
    workerPeakRssMb: Math.max(...worker.map((w) => w.peakRssMb)),
    eventsPerSec: cold.eventsPerSec,
    vsWarm: round(cold.eventsPerSec / warm.eventsPerSec),
    maxCachedWorkflows: Number(
      p.env.ORDERSYNC_MAX_CACHED_WORKFLOWS ?? DEFAULT_WORKER_SIZING.maxCachedWorkflows,
    ),
  };
}

/** Workflow tasks waiting on ordersync's task queue (the server's approximate backlog count). */
async function workflowBacklog(p: TestPipeline): Promise<number> {
  const res = await p.client.workflowService.describeTaskQueue({
    namespace: p.cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
    taskQueue: { name: p.cfg.ORDERSYNC_TASK_QUEUE },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    reportStats: true,
  });
  return Number(res.stats?.approximateBacklogCount ?? 0);
}
