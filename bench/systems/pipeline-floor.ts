// The pipeline floor: ordersync's whole path (ERP read → Kafka → consumer →
// per-order workflow → MySQL) with the least code at every stage
// (bench/pipeline-floor/), on the same servers and the same ERP events.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { stopProcess } from '../../src/cli/processes';
import { createPool } from '../../src/db/pool';
import { createKafka } from '../../src/kafka/client';
import { eventually } from '../../test/support/env';
import type { TestPipeline } from '../../test/support/pipeline';
import { countActions } from '../actions';
import type { ActionBreakdown, CeilingResult } from '../common';
import { cpuMsPerEvent, ms, round, rows, startReadyProcess, warmUpOrders } from '../common';
import { meter } from '../metering';
import { PIPELINE_FLOOR_DDL, PIPELINE_FLOOR_TABLE } from '../pipeline-floor/table';

export interface PipelineFloorResult extends CeilingResult {
  /** CPU seconds other processes left running (ordersync's, idle) used in the metered window. */
  backgroundCpuSeconds: number;
  /** Paced runs (the spread shape): billable history events per event over 200 sampled orders. */
  actionsPerEvent?: number | null;
  actionsByKind?: ActionBreakdown;
  eventsPerHandover?: number | null;
}

export interface PipelineFloorOptions {
  /** The ERP orders whose events it carries: ids starting `${prefix}-`. */
  prefix: string;
  /** ordersync's processes, idle meanwhile: their CPU in the metered window is reported. */
  background?: Record<string, ChildProcess>;
  timeoutMs: number;
  /** Profile its worker and consumer under node --cpu-prof into `<cpuProf>/pipeline-floor-*`. */
  cpuProf?: string;
  /**
   * The spread shape: the poll produces each event when as long after the
   * first as the ERP wrote it (slices of PACE_SLICE_MS), not the backlog at once.
   */
  paced?: boolean;
}

/** A paced poll's time slice: rows the ERP wrote within one are read and produced together. */
export const PACE_SLICE_MS = 100;

/**
 * Rows in seq order cut into consecutive seq ranges, one per time slice of
 * their ERP write time after the first row's: [offset ms, first seq, last seq].
 */
export function pacedSlices(
  list: ReadonlyArray<{ seq: number; at: number }>,
  sliceMs = PACE_SLICE_MS,
): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  if (list.length === 0) return out;
  const first = Math.min(...list.map((r) => r.at));
  for (const r of list) {
    const slice = Math.floor((r.at - first) / sliceMs) * sliceMs;
    const tail = out.at(-1);
    if (tail && tail[0] >= slice) tail[2] = r.seq;
    else out.push([slice, r.seq, r.seq]);
  }
  return out;
}

let runs = 0;

export async function runPipelineFloor(
  p: Pick<TestPipeline, 'env' | 'cfg' | 'reader' | 'app' | 'runId' | 'client'>,
  opts: PipelineFloorOptions,
): Promise<PipelineFloorResult> {
  const { env, cfg, reader, app, runId } = p;
  const n = ++runs;
  const tag = (phase: string) => `${runId}-${n}-${phase}`;
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL ?? cfg.ORDERSYNC_MYSQL_URL, {
    connectionLimit: 1,
  });
  await migrator.query(PIPELINE_FLOOR_DDL).finally(() => migrator.end());

  const like = `${opts.prefix}-%`;
  const all = (
    await rows(
      reader,
      'SELECT seq, order_id, occurred_at FROM order_events WHERE order_id LIKE ? ORDER BY seq',
      [like],
    )
  ).map((r) => ({
    seq: Number(r.seq),
    orderId: String(r.order_id),
    at: ms(String(r.occurred_at)),
  }));
  if (all.length === 0) throw new Error(`no ERP events under ${opts.prefix}`);
  // Warm-up, unmetered, on the first fifth or so of the same events under another tag.
  const orders = new Set(all.map((r) => r.orderId)).size;
  const warm = all.slice(0, Math.max(1, Math.round((all.length * warmUpOrders(orders)) / orders)));
  const counts = (list: typeof all) => {
    const out: Record<string, number> = {};
    for (const r of list) out[r.orderId] = (out[r.orderId] ?? 0) + 1;
    return out;
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'pipeline-floor-'));
  const expectedFile = path.join(dir, 'expected.json');
  writeFileSync(
    expectedFile,
    JSON.stringify({ [tag('warm')]: counts(warm), [tag('run')]: counts(all) }),
  );

  const topic = `pf.${runId}.${n}`;
  const admin = createKafka(cfg, '-pipeline-floor-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: cfg.ORDERSYNC_TOPIC_PARTITIONS }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  const taskQueue = `${cfg.ORDERSYNC_TASK_QUEUE}-pf-${n}`;
  const prof = (name: string) =>
    opts.cpuProf
      ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(opts.cpuProf, `pipeline-floor-${name}`)}`]
      : [];
  const children: ChildProcess[] = [];
  const written = async (t: string) =>
    Number(
      (
        await rows(app, `SELECT COUNT(*) AS n FROM ${PIPELINE_FLOOR_TABLE} WHERE run_tag = ?`, [t])
      )[0]?.n ?? 0,
    );
  const poll = (t: string, from: number, to: number) =>
    children[0]!.stdin!.write(`poll ${t} ${like} ${from} ${to}\n`);
  /** Hands the rows over (paced: slice by slice, as the ERP wrote them) and waits until all are written. */
  const carry = async (t: string, list: typeof all, paced = false) => {
    if (!paced) poll(t, list[0]!.seq, list[list.length - 1]!.seq);
    else {
      const started = Date.now();
      for (const [offset, from, to] of pacedSlices(list)) {
        const wait = started + offset - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        poll(t, from, to);
      }
    }
    const expected = list.length;
    // eventually() retries through a thrown error: a process that died must end the wait at once.
    let dead = false;
    await eventually(
      async () => {
        if (children.some((c) => c.exitCode !== null)) dead = true;
        return dead || (await written(t)) >= expected;
      },
      opts.timeoutMs,
      `the pipeline floor to write ${expected} events (${t})`,
      100,
    );
    if (dead) throw new Error(`a pipeline floor process exited (${t})`);
  };
  try {
    children.push(
      await startReadyProcess(env, 'pipeline-floor/worker.ts', [taskQueue, topic], prof('worker')),
    );
    children.push(
      await startReadyProcess(
        env,
        'pipeline-floor/consumer.ts',
        [`${cfg.ORDERSYNC_CONSUMER_GROUP}-pf-${n}`, topic, taskQueue, expectedFile],
        prof('consumer'),
      ),
    );
    await carry(tag('warm'), warm);
    const stop = meter(
      {
        'worker (pipeline floor)': children[0]!,
        'consumer (pipeline floor)': children[1]!,
      },
      opts.paced ? 'pipeline floor (spread shape)' : 'pipeline floor',
    );
    const stopBackground = meter(opts.background ?? {});
    const started = Date.now();
    await carry(tag('run'), all, opts.paced);
    const wall = (Date.now() - started) / 1000;
    const processes = stop();
    const backgroundCpu = stopBackground()
      .filter((x) => x.name in (opts.background ?? {}))
      .reduce((sum, x) => sum + x.cpuSeconds, 0);
    const counted = opts.paced ? await countPaced(p.client, taskQueue, tag('run'), all) : null;
    return {
      ...(counted && {
        actionsPerEvent: counted.actionsPerEvent,
        actionsByKind: counted.byKind,
        eventsPerHandover: counted.eventsPerHandover,
      }),
      events: all.length,
      wallSeconds: round(wall),
      eventsPerSec: round(all.length / wall),
      backgroundCpuSeconds: round(backgroundCpu),
      processes,
      cpuMsPerEvent: cpuMsPerEvent(processes, all.length),
    };
  } finally {
    for (const c of children) await stopProcess(c);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Actions over the first 200 orders' workflows of a run (ids as the consumer names them). */
function countPaced(
  client: TestPipeline['client'],
  taskQueue: string,
  runTag: string,
  list: ReadonlyArray<{ orderId: string }>,
) {
  const perWorkflow = new Map<string, number>();
  for (const r of list) {
    const id = `pf-${taskQueue}-${runTag}-${r.orderId}`;
    perWorkflow.set(id, (perWorkflow.get(id) ?? 0) + 1);
  }
  return countActions(client, [...perWorkflow.keys()].slice(0, 200), perWorkflow);
}
