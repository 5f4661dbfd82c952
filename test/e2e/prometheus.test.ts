import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { stopProcess } from '../../src/cli/processes';
import { CursorRepository } from '../../src/db/cursor-repository';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { toSqlDateTime } from '../../src/db/time';
import { initErpSchema, simulate } from '../../src/erp/simulator';
import { createKafka } from '../../src/kafka/client';
import { ensureTopics, topicsFromConfig } from '../../src/kafka/topics';
import { createTemporalClient } from '../../src/temporal/connection';
import { upsertPollSchedule } from '../../src/temporal/schedule';
import { verify } from '../../src/verify';
import { eventually, testEnv } from '../support/env';
import { validSnapshot } from '../support/fixtures';
import { freePort, probe, startObserved } from '../support/observed-process';
import type { ObservedProcess } from '../support/observed-process';

// A real Prometheus (Debian package, its own temp dir and port) scrapes one
// worker and one consumer while a batch of orders runs through the pipeline.
// The same run checks that no log line carries customer data: one order holds
// marker strings in its name, e-mail and address, and its update is bad data,
// so it ends blocked; a malformed copy of it goes to the DLQ.
const { cfg, env, runId } = testEnv('prom');
const prefix = `PROM-${runId}`;
const markerOrder = `MARK-${runId}`;
const MARKERS = ['Zqxname Markerperson', 'zqx.marker@example.com', 'Zqxstreet 77', 'Zqxcity'];

const dir = mkdtempSync(path.join(tmpdir(), 'ordersync-prom-'));
let writer: Pool;
let reader: Pool;
let app: Pool;
let client: Client;
let worker: ObservedProcess;
let consumer: ObservedProcess;
let prometheus: ChildProcess;
let promUrl: string;

/** One instant-query value from Prometheus; undefined when the result is empty. */
async function query(promql: string): Promise<number | undefined> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data: { result: Array<{ value: [number, string] }> };
  };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
  const v = body.data.result[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

async function expectQuery(promql: string, want: number, timeoutMs = 90_000): Promise<void> {
  let last: number | undefined;
  await eventually(
    async () => {
      last = await query(promql);
      return last === want;
    },
    timeoutMs,
    `${promql} == ${want} (last ${last})`,
  );
}

function markerSnapshot(total?: string) {
  const s = validSnapshot() as Record<string, unknown> & { total: string };
  s.customer = { id: 'CUST-MARK', name: MARKERS[0], email: MARKERS[1] };
  s.shippingAddress = { line1: MARKERS[2], city: MARKERS[3], postalCode: '560001', country: 'IN' };
  if (total) s.total = total;
  return s;
}

beforeAll(async () => {
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await migrator.end();
  writer = createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 8 });
  reader = createPool(cfg.ORDERSYNC_ERP_URL, { connectionLimit: 2 });
  app = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
  await initErpSchema(writer);
  const [rows] = await reader.query<RowDataPacket[]>(
    'SELECT COALESCE(MAX(seq), 0) AS s FROM order_events',
  );
  await new CursorRepository(app).save(cfg.ORDERSYNC_CURSOR_NAME, {
    position: Number(rows[0]!.s),
    gaps: [],
  });
  const admin = createKafka(cfg, '-prom-e2e').admin();
  await admin.connect();
  await ensureTopics(admin, topicsFromConfig(cfg), cfg.ORDERSYNC_TOPIC_PARTITIONS);
  await admin.disconnect();

  const childEnv = { ...env, ORDERSYNC_LOG_LEVEL: 'debug' };
  worker = await startObserved('worker', childEnv, dir);
  consumer = await startObserved('consumer', childEnv, dir);

  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  const rules = path.join(__dirname, '..', '..', 'deploy', 'prometheus', 'alerts.yml');
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ['${rules}']`,
      'scrape_configs:',
      `  - job_name: ordersync-worker`,
      `    static_configs: [{ targets: ['${worker.url.slice(7)}'] }]`,
      `  - job_name: ordersync-consumer`,
      `    static_configs: [{ targets: ['${consumer.url.slice(7)}'] }]`,
      '',
    ].join('\n'),
  );
  const promLog = openSync(path.join(dir, 'prometheus.log'), 'a');
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    { stdio: ['ignore', promLog, promLog] },
  );
  prometheus.once('error', (err) => {
    throw new Error(`cannot start prometheus (scripts/infra.sh install adds it): ${err.message}`);
  });
  await eventually(
    async () => (await probe(`${promUrl}/-/ready`)).status === 200,
    60_000,
    'Prometheus to be ready',
  );

  client = await createTemporalClient(cfg);
  await upsertPollSchedule(client, {
    scheduleId: cfg.ORDERSYNC_SCHEDULE_ID,
    taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
    everyMs: 1000,
    catchupWindowMs: 60_000,
  });
});

afterAll(async () => {
  // The marker order stays blocked by design; do not leave it running in the shared namespace.
  await client?.workflow
    .getHandle(markerOrder)
    .terminate('test finished')
    .catch(() => undefined);
  await client?.schedule
    .getHandle(cfg.ORDERSYNC_SCHEDULE_ID)
    .delete()
    .catch(() => undefined);
  await Promise.all([worker, consumer].filter(Boolean).map((p) => stopProcess(p.child)));
  if (prometheus) await stopProcess(prometheus);
  await client?.connection.close();
  await Promise.all([writer?.end(), reader?.end(), app?.end()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('a real Prometheus scraping a worker and a consumer', () => {
  it('counts every ERP event once, sees the lag drain, and no log line holds customer data', async () => {
    for (const p of [worker, consumer])
      await eventually(
        async () => (await probe(`${p.url}/readyz`)).status === 200,
        120_000,
        `${p.url}/readyz to answer 200`,
      );

    // The marker order: created with marker customer data, then an update whose total is wrong.
    for (const [type, version, payload] of [
      ['order_creation', 1, markerSnapshot()],
      ['order_updation', 2, markerSnapshot('1.00')],
    ] as const) {
      await writer.query(
        `INSERT INTO order_events (event_id, order_id, channel, type, version, occurred_at, payload)
         VALUES (?, ?, 'online', ?, ?, ?, ?)`,
        [
          randomUUID(),
          markerOrder,
          type,
          version,
          toSqlDateTime(new Date().toISOString()),
          JSON.stringify(payload),
        ],
      );
    }
    // A malformed copy (bad e-mail) straight onto the topic: the consumer dead-letters it.
    const producer = createKafka(cfg, '-prom-raw').producer();
    await producer.connect();
    const bad = markerSnapshot() as unknown as { customer: Record<string, string> };
    bad.customer.email = `${MARKERS[0]} at nowhere`;
    await producer.send({
      topic: cfg.ORDERSYNC_TOPIC_ONLINE,
      messages: [
        {
          key: markerOrder,
          value: JSON.stringify({
            eventId: randomUUID(),
            orderId: markerOrder,
            channel: 'online',
            type: 'order_updation',
            erpVersion: 3,
            occurredAt: new Date().toISOString(),
            data: bad,
          }),
        },
      ],
    });
    await producer.disconnect();

    const sim = await simulate(writer, { orders: 40, prefix, concurrency: 4 });
    await eventually(
      async () => {
        for (const p of [worker, consumer])
          if (p.child.exitCode !== null)
            throw new Error(`${p.logFile}: exited ${p.child.exitCode}`);
        const r = await verify(reader, app, prefix);
        return r.unaccounted === 0 && r.mismatched.length === 0;
      },
      240_000,
      'the target to equal the ERP',
    );

    // Every event the ERP wrote: the simulated ones and the marker order's creation are
    // applied exactly once, its bad update is rejected.
    await expectQuery('sum(ordersync_events_applied_total{outcome="applied"})', sim.events + 1);
    await expectQuery('sum(ordersync_events_applied_total{outcome="rejected"})', 1);
    await expectQuery('sum(ordersync_poll_rows_total{outcome="produced"})', sim.events + 2);
    await expectQuery('max(ordersync_poll_cursor_lag)', 0);
    await expectQuery('max(ordersync_consumer_lag)', 0);
    await expectQuery(
      'count(ordersync_consumer_lag)',
      3 * cfg.ORDERSYNC_TOPIC_PARTITIONS, // every partition of the three event topics
    );
    // Every ERP event reached a workflow; the malformed copy went to the DLQ instead.
    await expectQuery(
      'sum(ordersync_consumer_messages_total{outcome="delivered"})',
      sim.events + 2,
    );
    await expectQuery('sum(ordersync_consumer_messages_total{outcome="dead_lettered"})', 1);
    await expectQuery('sum(ordersync_dlq_messages_total{reason="schema"})', 1);
    await expectQuery('max(ordersync_blocked_orders{channel="online"})', 1, 120_000);
    expect(await query('sum(ordersync_apply_seconds_count)')).toBeGreaterThan(0);
    expect(await query('sum(ordersync_consumer_handover_seconds_count)')).toBeGreaterThan(0);
    expect(await query('sum(ordersync_commit_to_apply_seconds_count)')).toBe(sim.events + 1);
    // The Temporal SDK's own metrics come through the worker's one endpoint.
    expect(await query('count({__name__=~"temporal_.+", job="ordersync-worker"})')).toBeGreaterThan(
      10,
    );
    expect(await query('min(up{job=~"ordersync-.*"})')).toBe(1);
    // The alert rules load in a real server too.
    const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ rules: unknown[] }> };
    };
    const file = parse(
      readFileSync(path.join(__dirname, '..', '..', 'deploy', 'prometheus', 'alerts.yml'), 'utf8'),
    ) as { groups: Array<{ rules: unknown[] }> };
    const inFile = file.groups.flatMap((g) => g.rules).length;
    expect(inFile).toBeGreaterThanOrEqual(10);
    expect(rules.data.groups.flatMap((g) => g.rules)).toHaveLength(inFile);

    // Logs: one stream per process, components named, workflow and activity lines
    // carry the order, and the marker strings appear nowhere.
    const logs = [...worker.lines(), ...consumer.lines()];
    const raw = readFileSync(worker.logFile, 'utf8') + readFileSync(consumer.logFile, 'utf8');
    for (const m of MARKERS) expect(raw, `log holds customer data "${m}"`).not.toContain(m);
    const components = new Set(logs.map((l) => String(l.component)));
    for (const c of ['worker', 'consumer', 'kafkajs', 'temporal.worker', 'temporal.workflow'])
      expect([...components], `no ${c} log lines`).toContain(c);
    // The workflow's own line when the marker order blocks, and the SDK's activity lines.
    expect(logs.some((l) => l.msg === 'order blocked' && l.orderId === markerOrder)).toBe(true);
    expect(
      logs.some((l) => l.orderId === markerOrder && l.activityType === 'applyOrderEvents'),
    ).toBe(true);
    const orderLines = logs.filter((l) => l.orderId === markerOrder);
    expect(orderLines.length).toBeGreaterThan(0);
    for (const l of orderLines) {
      expect(l.workflowId).toBe(markerOrder);
      expect(typeof l.runId).toBe('string');
    }
    // The dead letter was logged (by the consumer) without its content.
    expect(
      logs.some((l) => l.component === 'consumer' && String(l.msg).includes('dead-letter')),
    ).toBe(true);
  }, 600_000);
});
