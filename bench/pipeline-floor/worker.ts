/**
 * The pipeline floor's worker process: the least code for what ordersync's
 * worker does. A Temporal worker (default data converter: no encryption) whose
 * local activity upserts each hand-over in one multi-row statement, and the
 * poll: paged SELECTs of the change log by seq, each page produced keyed by
 * order id with acks=all. Prints "ready" once it polls Temporal; then each stdin
 * line `poll TAG LIKE FROM TO` reads the rows with FROM <= seq <= TO whose order
 * id matches LIKE, produces them, and prints `polled TAG N`.
 *
 *   node --import tsx bench/pipeline-floor/worker.ts <taskQueue> <topic>
 */
import { createInterface } from 'node:readline';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { RowDataPacket } from 'mysql2/promise';
import { loadConfig } from '../../src/config';
import { createPool } from '../../src/db/pool';
import { createKafka } from '../../src/kafka/client';
import { PIPELINE_FLOOR_TABLE, RUN_TAG_HEADER } from './table';

const PAGE = 500;

async function main(): Promise<void> {
  const [taskQueue, topic] = process.argv.slice(2);
  if (!taskQueue || !topic) {
    console.error('usage: pipeline-floor/worker <taskQueue> <topic>');
    process.exit(2);
  }
  const cfg = loadConfig();
  const target = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 10 });
  const erp = createPool(cfg.ORDERSYNC_ERP_URL, { connectionLimit: 1 });
  const producer = createKafka(cfg, '-pipeline-floor').producer({ allowAutoTopicCreation: false });
  await producer.connect();

  const upsertMessages = async (messages: string[]): Promise<number> => {
    const rows = messages.map((m) => {
      const e = JSON.parse(m) as {
        runTag: string;
        eventId: string;
        orderId: string;
        erpVersion: number;
      };
      return [e.runTag, e.eventId, e.orderId, e.erpVersion, m];
    });
    await target.query(
      `INSERT INTO ${PIPELINE_FLOOR_TABLE} (run_tag, event_id, order_id, erp_version, message) VALUES ?
       ON DUPLICATE KEY UPDATE erp_version = VALUES(erp_version), message = VALUES(message)`,
      [rows],
    );
    return messages.length;
  };

  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address: cfg.ORDERSYNC_TEMPORAL_ADDRESS }),
    namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
    taskQueue,
    workflowsPath: require.resolve('./workflow'),
    bundlerOptions: { preloadModules: [require.resolve('./workflow')] },
    activities: { upsertMessages },
    maxCachedWorkflows: 1000,
  });

  const poll = async (tag: string, like: string, from: number, to: number): Promise<number> => {
    let after = from - 1;
    let produced = 0;
    for (;;) {
      const [page] = await erp.query<RowDataPacket[]>(
        `SELECT seq, event_id, order_id, type, version, payload FROM order_events
         WHERE seq > ? AND seq <= ? AND order_id LIKE ? ORDER BY seq LIMIT ${PAGE}`,
        [after, to, like],
      );
      if (page.length === 0) return produced;
      await producer.send({
        topic,
        acks: -1,
        messages: page.map((r) => ({
          key: String(r.order_id),
          headers: { [RUN_TAG_HEADER]: tag },
          value: JSON.stringify({
            runTag: tag,
            eventId: String(r.event_id),
            orderId: String(r.order_id),
            type: String(r.type),
            erpVersion: Number(r.version),
            data: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as unknown,
          }),
        })),
      });
      produced += page.length;
      after = Number(page[page.length - 1]!.seq);
    }
  };

  const running = worker.run();
  const stop = () => worker.shutdown();
  process.once('SIGTERM', stop);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [cmd, tag, like, from, to] = line.trim().split(' ');
    if (cmd !== 'poll' || !tag || !like) return;
    poll(tag, like, Number(from), Number(to)).then(
      (n) => process.stdout.write(`polled ${tag} ${n}\n`),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
  process.stdout.write('ready\n');
  await running;
  // Stop reading commands, or stdin keeps the process alive after SIGTERM and it
  // is killed: no clean exit, and --cpu-prof writes no main-thread profile.
  lines.close();
  process.stdin.destroy();
  await producer.disconnect();
  await Promise.all([target.end(), erp.end()]);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
