import { workflowOptionsFromConfig } from './config';
import type { Config } from './config';
import { createKafka } from './kafka/client';
import { OrderEventConsumer } from './kafka/consumer';
import { EventProducer } from './kafka/producer';
import { checkReplication } from './kafka/replication';
import { ensureTopics, eventTopics, topicsFromConfig } from './kafka/topics';
import { createLogger } from './log';
import { ConsumerReadiness } from './observability/consumer-readiness';
import { startObservabilityServer } from './observability/http-server';
import {
  consumerHandoverSeconds,
  consumerMessages,
  exportOnlyMetricsOf,
} from './observability/metrics';
import { consumerLagRefresher } from './observability/state-gauges';
import { createTemporalClient } from './temporal/connection';
import { OrderWorkflowClient } from './temporal/order-workflow-client';

/**
 * Runs one consumer-group member until SIGINT/SIGTERM: stop fetching, finish
 * in-flight hand-overs, commit, disconnect.
 */
export async function runConsumer(
  cfg: Config,
  opts: { partitionsConcurrently: number; metricsAddress?: string },
): Promise<void> {
  const log = createLogger('consumer');
  const topics = topicsFromConfig(cfg);
  const kafka = createKafka(cfg, '-consumer');
  const readiness = new ConsumerReadiness();
  // Kept connected: it reads the group's lag on each scrape.
  const admin = kafka.admin();
  exportOnlyMetricsOf('consumer');
  const http = await startObservabilityServer({
    address: opts.metricsAddress ?? cfg.ORDERSYNC_METRICS_ADDRESS,
    log,
    readiness: { kafkaGroup: () => readiness.check() },
    beforeScrape: [
      consumerLagRefresher({
        admin,
        groupId: cfg.ORDERSYNC_CONSUMER_GROUP,
        topics: eventTopics(topics),
      }),
    ],
  });
  await admin.connect();
  await ensureTopics(admin, topics, cfg.ORDERSYNC_TOPIC_PARTITIONS);
  for (const w of await checkReplication(admin, [...eventTopics(topics), topics.dlq]))
    log.warn(w.message, { topic: w.topic });
  const client = await createTemporalClient(cfg);
  const orders = new OrderWorkflowClient(client, {
    taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
    workflowOptions: workflowOptionsFromConfig(cfg),
  });
  const dlq = new EventProducer(kafka, topics);
  await dlq.connect();
  const consumer = new OrderEventConsumer(
    kafka,
    topics,
    dlq,
    async (orderId, events) => {
      const done = consumerHandoverSeconds.startTimer();
      await orders.deliver(orderId, events[0]!.channel, events);
      done();
    },
    {
      groupId: cfg.ORDERSYNC_CONSUMER_GROUP,
      maxMessageBytes: cfg.ORDERSYNC_MAX_MESSAGE_BYTES,
      signalConcurrency: cfg.ORDERSYNC_SIGNAL_CONCURRENCY,
      partitionsConcurrently: opts.partitionsConcurrently,
      log: (msg) => log.warn(msg),
      onMember: readiness.watch,
      hooks: {
        afterDelivery: (_orderId, n, topic) =>
          consumerMessages.inc({ topic, outcome: 'delivered' }, n),
        afterDeadLetter: (letters) => {
          for (const l of letters)
            consumerMessages.inc({ topic: l.sourceTopic, outcome: 'dead_lettered' });
        },
      },
    },
  );
  await consumer.start();
  log.info('consumer running', {
    group: cfg.ORDERSYNC_CONSUMER_GROUP,
    brokers: cfg.ORDERSYNC_KAFKA_BROKERS,
  });
  const progress = setInterval(() => log.info('progress', { ...consumer.stats }), 10_000);
  // A member kafkajs gives up on is replaced inside OrderEventConsumer; this
  // process ends only when asked to.
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      http?.setDraining();
      log.info(`received ${signal}; draining`);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(progress);
  await consumer.stop();
  await dlq.disconnect().catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
  await client.connection.close().catch(() => undefined);
  log.info('consumer stopped', { ...consumer.stats });
  await http?.close();
}
