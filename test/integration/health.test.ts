import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stopProcess } from '../../src/cli/processes';
import { loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { createKafka } from '../../src/kafka/client';
import { OrderEventConsumer } from '../../src/kafka/consumer';
import { EventProducer } from '../../src/kafka/producer';
import { ensureTopics, topicsFromConfig } from '../../src/kafka/topics';
import { ConsumerReadiness } from '../../src/observability/consumer-readiness';
import { eventually, testEnv } from '../support/env';
import { probe, startObserved } from '../support/observed-process';
import type { ObservedProcess } from '../support/observed-process';
import { TcpProxy } from '../support/tcp-proxy';

// /livez and /readyz of real worker and consumer processes on the real servers.
// MySQL is shared, so the worker reaches it through a proxy this test cuts.
const dir = mkdtempSync(path.join(tmpdir(), 'ordersync-health-'));
const started: ObservedProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((p) => stopProcess(p.child)));
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(url: string, status: number, what: string, timeoutMs = 60_000) {
  let last: Awaited<ReturnType<typeof probe>> | undefined;
  return eventually(
    async () => {
      last = await probe(url);
      return last.status === status ? last : undefined;
    },
    timeoutMs,
    `${what} (last answer ${last?.status} ${last?.text.trim()})`,
  );
}

/** SIGTERM, then poll /readyz and /livez until the process is gone; returns what they said. */
async function drainAnswers(p: ObservedProcess) {
  const answers: Array<{ path: string; status: number; body: unknown }> = [];
  const exited = new Promise<void>((r) => p.child.once('exit', () => r()));
  let done = false;
  void exited.then(() => (done = true));
  p.child.kill('SIGTERM');
  while (!done) {
    for (const route of ['/readyz', '/livez']) {
      const a = await probe(`${p.url}${route}`);
      if (a.status !== 0) answers.push({ path: route, status: a.status, body: a.body });
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return answers;
}

function withHostPort(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

describe('worker health', () => {
  it('is ready only while MySQL answers, and answers 503 while draining', async () => {
    const { env, cfg } = testEnv('health-w');
    const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
    await migrate(migrator);
    await migrator.end();
    const mysql = new URL(cfg.ORDERSYNC_MYSQL_URL);
    const proxy = new TcpProxy(mysql.hostname, Number(mysql.port || 3306));
    const port = await proxy.open();
    const worker = await startObserved(
      'worker',
      { ...env, ORDERSYNC_MYSQL_URL: withHostPort(cfg.ORDERSYNC_MYSQL_URL, port) },
      dir,
      'health-worker',
    );
    started.push(worker);
    try {
      const ready = await waitFor(`${worker.url}/readyz`, 200, 'worker ready', 120_000);
      expect(ready.body).toMatchObject({
        status: 'ready',
        checks: { temporalWorker: { ok: true, detail: 'RUNNING' }, mysql: { ok: true } },
      });
      expect((await probe(`${worker.url}/livez`)).status).toBe(200);

      await proxy.cut();
      const down = await waitFor(`${worker.url}/readyz`, 503, 'readiness to fail without MySQL');
      expect(down.body).toMatchObject({
        status: 'not ready',
        checks: { temporalWorker: { ok: true }, mysql: { ok: false } },
      });
      expect((await probe(`${worker.url}/livez`)).status).toBe(200); // alive, just not ready

      await proxy.open();
      await waitFor(`${worker.url}/readyz`, 200, 'readiness to return with MySQL');

      const answers = await drainAnswers(worker);
      expect(worker.child.exitCode).toBe(0);
      expect(
        answers.some((a) => a.status === 503),
        JSON.stringify(answers),
      ).toBe(true);
      for (const a of answers.filter((x) => x.status !== 200))
        expect(a).toMatchObject({ status: 503, body: { status: 'draining' } });
    } finally {
      await proxy.cut();
    }
  }, 240_000);
});

describe('consumer health', () => {
  it('is ready once it holds partitions, or legitimately none, and 503 while draining', async () => {
    // One partition per topic: three partitions for four members, so one holds none.
    const { env: base } = testEnv('health-c');
    const env = { ...base, ORDERSYNC_TOPIC_PARTITIONS: '1' };
    const cfg = loadConfig(env);
    const kafka = createKafka(cfg, '-health');
    const topics = topicsFromConfig(cfg);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, topics, 1);
    await admin.disconnect();

    const proc = await startObserved('consumer', env, dir, 'health-consumer');
    started.push(proc);
    const first = await waitFor(`${proc.url}/readyz`, 200, 'consumer ready', 120_000);
    expect(first.body).toMatchObject({
      status: 'ready',
      checks: { kafkaGroup: { ok: true, detail: { member: 'joined', partitions: 3 } } },
    });

    const dlq = new EventProducer(kafka, topics);
    await dlq.connect();
    const members = Array.from({ length: 3 }, () => {
      const readiness = new ConsumerReadiness();
      const consumer = new OrderEventConsumer(
        kafka,
        topics,
        dlq,
        () => Promise.reject(new Error('no messages expected in this test')),
        {
          groupId: cfg.ORDERSYNC_CONSUMER_GROUP,
          maxMessageBytes: cfg.ORDERSYNC_MAX_MESSAGE_BYTES,
          signalConcurrency: 1,
          partitionsConcurrently: 1,
          onMember: readiness.watch,
        },
      );
      return { readiness, consumer };
    });
    try {
      for (const m of members) expect(m.readiness.check().ok).toBe(false); // not joined yet
      await Promise.all(members.map((m) => m.consumer.start()));
      const held = await eventually(
        async () => {
          const procAnswer = await probe(`${proc.url}/readyz`);
          if (procAnswer.status !== 200) return undefined;
          const checks = members.map((m) => m.readiness.check());
          if (!checks.every((c) => c.ok)) return undefined;
          const counts = [
            (procAnswer.body as { checks: { kafkaGroup: { detail: { partitions: number } } } })
              .checks.kafkaGroup.detail.partitions,
            ...checks.map((c) => (c.detail as { partitions: number }).partitions),
          ];
          return counts.reduce((a, b) => a + b, 0) === 3 ? counts : undefined;
        },
        90_000,
        'four ready members sharing three partitions',
      );
      expect(held.filter((n) => n === 0).length).toBeGreaterThanOrEqual(1);
    } finally {
      await Promise.all(members.map((m) => m.consumer.stop()));
      await dlq.disconnect();
    }
    for (const m of members) {
      expect(m.readiness.check()).toMatchObject({ ok: false, detail: { member: 'stopped' } });
    }
    await eventually(
      async () => {
        const a = await probe(`${proc.url}/readyz`);
        return a.status === 200 && JSON.stringify(a.body).includes('"partitions":3');
      },
      90_000,
      'the process to hold all three partitions again',
    );

    const answers = await drainAnswers(proc);
    expect(proc.child.exitCode).toBe(0);
    expect(
      answers.some((a) => a.status === 503),
      JSON.stringify(answers),
    ).toBe(true);
    for (const a of answers.filter((x) => x.status !== 200))
      expect(a).toMatchObject({ status: 503, body: { status: 'draining' } });
  }, 300_000);
});
