// The floor: raw Temporal in ordersync's shape (bench/floor-workflow.ts), fed
// the same ERP events in as many hand-overs per order as ordersync made.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { TestPipeline } from '../../test/support/pipeline';
import { countActions } from '../actions';
import type { FloorResult } from '../common';
import { cpuMsPerEvent, round, rows, startReadyProcess, warmUpOrders } from '../common';
import { floorEvents, floorEventsUpdate, floorWorkflow } from '../floor-workflow';
import { meter } from '../metering';
import { stopProcess } from '../../src/cli/processes';

/** Splits `items` into `n` consecutive, nearly equal batches. */
function split<T>(items: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      items.slice(Math.floor((i * items.length) / n), Math.floor(((i + 1) * items.length) / n)),
    );
  }
  return out.filter((b) => b.length > 0);
}

export interface FloorOptions {
  /** The ERP orders whose events the floor hands over: ids starting `${prefix}-`. */
  prefix: string;
  /** ordersync's events per hand-over in the same burst: the floor splits each order alike. */
  eventsPerHandover: number;
  delivery?: 'signal' | 'update';
  /** ordersync's processes, idle meanwhile: their CPU in the metered window is reported. */
  background?: Record<string, ChildProcess>;
  /** Profile the floor's worker under node --cpu-prof into `<cpuProf>/floor-worker-<delivery>`. */
  cpuProf?: string;
}

export async function runFloor(
  p: Pick<TestPipeline, 'env' | 'cfg' | 'client' | 'reader' | 'runId'>,
  opts: FloorOptions,
): Promise<FloorResult> {
  const { env, cfg, client, reader, runId } = p;
  const { prefix, eventsPerHandover, delivery = 'signal', background = {} } = opts;
  // The ERP payloads themselves, so signal sizes and codec work match ordersync's.
  const perOrder = new Map<string, unknown[]>();
  for (const r of await rows(
    reader,
    'SELECT order_id, event_id, type, version, payload FROM order_events WHERE order_id LIKE ? ORDER BY seq',
    [`${prefix}-%`],
  )) {
    const list = perOrder.get(String(r.order_id)) ?? [];
    list.push({
      eventId: String(r.event_id),
      type: String(r.type),
      erpVersion: Number(r.version),
      data: String(r.payload),
    });
    perOrder.set(String(r.order_id), list);
  }
  const taskQueue = `${cfg.ORDERSYNC_TASK_QUEUE}-floor-${delivery}`;
  const profile = opts.cpuProf
    ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(opts.cpuProf, `floor-worker-${delivery}`)}`]
    : [];
  const worker = await startReadyProcess(env, 'floor-worker.ts', [taskQueue], profile);
  const plan = [...perOrder.entries()].map(
    ([key, events]) =>
      [key, split(events, Math.max(1, Math.round(events.length / eventsPerHandover)))] as const,
  );
  const wfId = (key: string) => `floor-${delivery}-${runId}-${key}`;
  /** Hands every planned batch over, in as many lanes as the consumer's signal concurrency. */
  const handOver = async (orders: typeof plan, id: (key: string) => string) => {
    let next = 0;
    // One order's batches go in order.
    await Promise.all(
      Array.from({ length: cfg.ORDERSYNC_SIGNAL_CONCURRENCY }, async () => {
        while (next < orders.length) {
          const [key, batches] = orders[next++]!;
          const expected = batches.reduce((a, b) => a + b.length, 0);
          for (const [i, batch] of batches.entries()) {
            if (delivery === 'update') {
              // Update-with-Start, waiting for "accepted"; a fixed id per batch dedupes a resend.
              await client.workflow.startUpdateWithStart(floorEventsUpdate, {
                args: [batch],
                updateId: `${id(key)}-${i}`,
                waitForStage: 'ACCEPTED',
                startWorkflowOperation: new WithStartWorkflowOperation(floorWorkflow, {
                  workflowId: id(key),
                  taskQueue,
                  args: [expected],
                  workflowIdConflictPolicy: 'USE_EXISTING',
                }),
              });
              continue;
            }
            await client.workflow.signalWithStart(floorWorkflow, {
              workflowId: id(key),
              taskQueue,
              args: [expected],
              signal: floorEvents,
              signalArgs: [batch],
            });
          }
        }
      }),
    );
  };
  // A worker that dies would leave the run waiting forever: its exit fails it instead.
  const died = new Promise<never>((_, reject) =>
    worker.once('exit', (code) => reject(new Error(`the floor worker exited (${code})`))),
  );
  died.catch(() => undefined);
  const finished = async (keys: readonly string[], id: (key: string) => string) => {
    for (const key of keys) await Promise.race([client.workflow.getHandle(id(key)).result(), died]);
  };
  try {
    // Warm-up, unmetered, as ordersync's: the first orders again under other workflow ids.
    const warm = plan.slice(0, warmUpOrders(plan.length));
    const warmId = (key: string) => `${wfId(key)}-warm`;
    await handOver(warm, warmId);
    await finished(
      warm.map(([key]) => key),
      warmId,
    );
  } catch (err) {
    await stopProcess(worker);
    throw err;
  }
  const stop = meter({ worker }, `floor (${delivery})`);
  const stopBackground = meter(background);
  const started = Date.now();
  try {
    await handOver(plan, wfId);
    await finished(
      plan.map(([key]) => key),
      wfId,
    );
    const wall = (Date.now() - started) / 1000;
    const processes = stop();
    const backgroundCpu = stopBackground()
      .filter((x) => x.name in background)
      .reduce((sum, x) => sum + x.cpuSeconds, 0);
    const events = plan.reduce((a, [, b]) => a + b.reduce((x, y) => x + y.length, 0), 0);
    const sample = plan.slice(0, 200).map(([key]) => key);
    const counted = await countActions(
      client,
      sample.map(wfId),
      new Map(sample.map((k) => [wfId(k), perOrder.get(k)!.length])),
    );
    return {
      events,
      handovers: plan.reduce((a, [, b]) => a + b.length, 0),
      wallSeconds: round(wall),
      eventsPerSec: round(events / wall),
      actionsPerEvent: counted.actionsPerEvent,
      backgroundCpuSeconds: round(backgroundCpu),
      processes,
      cpuMsPerEvent: cpuMsPerEvent(processes, events),
    };
  } finally {
    await stopProcess(worker);
  }
}
