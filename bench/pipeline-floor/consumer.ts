/**
 * The pipeline floor's consumer process: the least code for what ordersync's
 * consumer does. A kafkajs consumer group; each partition batch is grouped by
 * order and handed over with one signalWithStart per order, and its offsets
 * are committed once every hand-over of the batch resolved. No validation, no
 * DLQ, no metrics. Prints "ready" once the group has its partitions.
 *
 *   node --import tsx bench/pipeline-floor/consumer.ts <group> <topic> <taskQueue> <expected.json>
 *
 * expected.json maps run tag → order id → events, the workflow's argument
 * (the floor's workflows complete when they wrote that many).
 */
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config';
import { createKafka } from '../../src/kafka/client';
import { RUN_TAG_HEADER } from './table';
import { pipelineFloorEvents, pipelineFloorWorkflow } from './workflow';

async function main(): Promise<void> {
  const [group, topic, taskQueue, expectedFile] = process.argv.slice(2);
  if (!group || !topic || !taskQueue || !expectedFile) {
    console.error('usage: pipeline-floor/consumer <group> <topic> <taskQueue> <expected.json>');
    process.exit(2);
  }
  const cfg = loadConfig();
  const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as Record<
    string,
    Record<string, number>
  >;
  const client = new Client({
    connection: await Connection.connect({ address: cfg.ORDERSYNC_TEMPORAL_ADDRESS }),
    namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
  });
  // Fenced out of the group on a loaded machine (a session timeout), kafkajs gives up on a
  // non-retriable error unless told to restart; offsets are committed after each hand-over,
  // so a restart re-delivers at most a batch, which the upsert by event id absorbs.
  const consumer = createKafka(cfg, '-pipeline-floor').consumer({
    groupId: group,
    retry: { restartOnFailure: () => Promise.resolve(true) },
  });
  const lanes = cfg.ORDERSYNC_SIGNAL_CONCURRENCY;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write('ready\n'));
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: cfg.ORDERSYNC_TOPIC_PARTITIONS,
    eachBatch: async ({ batch }) => {
      const perOrder = new Map<string, { tag: string; values: string[] }>();
      for (const m of batch.messages) {
        const orderId = m.key!.toString();
        const tag = String(m.headers?.[RUN_TAG_HEADER] ?? '');
        const entry = perOrder.get(orderId) ?? { tag, values: [] };
        entry.values.push(m.value!.toString());
        perOrder.set(orderId, entry);
      }
      // As many hand-overs in flight as ordersync's consumer allows.
      const orders = [...perOrder];
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(lanes, orders.length) }, async () => {
          while (next < orders.length) {
            const [orderId, { tag, values }] = orders[next++]!;
            await client.workflow.signalWithStart(pipelineFloorWorkflow, {
              workflowId: `pf-${taskQueue}-${tag}-${orderId}`,
              taskQueue,
              args: [expected[tag]?.[orderId] ?? values.length],
              signal: pipelineFloorEvents,
              signalArgs: [values],
            });
          }
        }),
      );
      const last = batch.messages[batch.messages.length - 1];
      if (!last) return;
      await consumer.commitOffsets([
        {
          topic: batch.topic,
          partition: batch.partition,
          offset: String(BigInt(last.offset) + 1n),
        },
      ]);
    },
  });
  process.once('SIGTERM', () => {
    consumer.disconnect().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
