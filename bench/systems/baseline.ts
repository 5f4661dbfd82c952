// The seed article's design: a plain kafkajs consumer group upserting each
// message straight into MySQL, fed the same events from the same topics.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { stopProcess } from '../../src/cli/processes';
import { createPool } from '../../src/db/pool';
import { countOrderingViolations } from '../../src/verify';
import { eventually } from '../../test/support/env';
import type { TestPipeline } from '../../test/support/pipeline';
import { BASELINE_DDL } from '../baseline-consumer';
import type { BenchOptions, SystemResult } from '../common';
import { ms, round, rows } from '../common';
import { meter } from '../metering';

export async function runBaseline(
  p: TestPipeline,
  env: NodeJS.ProcessEnv,
  opts: BenchOptions,
  prefix: string,
  expected: number,
): Promise<SystemResult> {
  const { cfg, app, reader } = p;
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  for (const ddl of BASELINE_DDL) await migrator.query(ddl);
  await migrator.end();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(__dirname, '..', 'baseline-consumer.ts'),
      `${cfg.ORDERSYNC_CONSUMER_GROUP}-baseline`,
    ],
    { env, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const stop = meter({ 'baseline consumer': child });
  try {
    const count = async () =>
      Number(
        (
          await rows(
            app,
            'SELECT COUNT(*) AS n FROM bench_baseline_applies WHERE order_id LIKE ?',
            [`${prefix}-%`],
          )
        )[0]?.n ?? 0,
      );
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error('baseline consumer exited');
        return (await count()) >= expected;
      },
      opts.timeoutMs,
      'the baseline to apply every event',
    );
    const processes = stop();
    const applies = await rows(
      app,
      'SELECT event_id, order_id, erp_version, kafka_ts, applied_at FROM bench_baseline_applies WHERE order_id LIKE ? ORDER BY seq',
      [`${prefix}-%`],
    );
    // The same ordering check as ordersync's oracle (src/verify.ts).
    const violations = countOrderingViolations(
      applies.map((a) => ({ orderId: String(a.order_id), version: Number(a.erp_version) })),
    );
    const seen = new Map<string, number>();
    for (const a of applies) seen.set(String(a.event_id), (seen.get(String(a.event_id)) ?? 0) + 1);
    const erpIds = await rows(reader, 'SELECT event_id FROM order_events WHERE order_id LIKE ?', [
      `${prefix}-%`,
    ]);
    const lost = erpIds.filter((r) => !seen.has(String(r.event_id))).length;
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    const first = Math.min(...applies.map((a) => ms(String(a.applied_at))));
    const last = Math.max(...applies.map((a) => ms(String(a.applied_at))));
    const wall = Math.max(0.001, (last - first) / 1000);
    return {
      events: applies.length,
      wallSeconds: round(wall),
      eventsPerSec: round(applies.length / wall),
      // Fed from a backlog already in Kafka, so commit-to-apply lag would only measure how long it waited.
      p50LagMs: null,
      p95LagMs: null,
      p99LagMs: null,
      lagFrom: 'not measured: the baseline consumes a backlog; wall time is first to last apply',
      violations,
      lost,
      duplicates,
      actionsPerEvent: 0,
      actionsCounted: 'no Temporal',
      processes,
    };
  } finally {
    await stopProcess(child);
  }
}
