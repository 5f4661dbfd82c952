import type { Config } from './config';
import { createKafka } from './kafka/client';
import { OrderEventConsumer } from './kafka/consumer';
import { EventProducer } from './kafka/producer';
import { ensureTopics, topicsFromConfig } from './kafka/topics';
import { createLogger } from './log';
import { createTemporalClient } from './temporal/connection';
import { OrderWorkflowClient } from './temporal/order-workflow-client';

export function workflowOptionsFromConfig(cfg: Config) {
  return {
    invoiceWaitMs: cfg.ORDERSYNC_INVOICE_WAIT,
    idleCloseMs: cfg.ORDERSYNC_IDLE_CLOSE,
    localApply: cfg.ORDERSYNC_LOCAL_APPLY,
  };
}

/**
 * Runs one consumer-group member until SIGINT/SIGTERM: stop fetching, finish
 * in-flight hand-overs, commit, disconnect.
 */
export async function runConsumer(
  cfg: Config,
  opts: { partitionsConcurrently: number },
): Promise<void> {
  const log = createLogger('consumer');
  const topics = topicsFromConfig(cfg);
  const kafka = createKafka(cfg, '-consumer');
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, topics, cfg.ORDERSYNC_TOPIC_PARTITIONS);
  await admin.disconnect();
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
    (orderId, events) => orders.deliver(orderId, events[0]!.channel, events),
    {
      groupId: cfg.ORDERSYNC_CONSUMER_GROUP,
      maxMessageBytes: cfg.ORDERSYNC_MAX_MESSAGE_BYTES,
      signalConcurrency: cfg.ORDERSYNC_SIGNAL_CONCURRENCY,
      partitionsConcurrently: opts.partitionsConcurrently,
      log: (msg) => log.warn(msg),
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
      log.info(`received ${signal}; draining`);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(progress);
  await consumer.stop();
  await dlq.disconnect().catch(() => undefined);
  await client.connection.close().catch(() => undefined);
  log.info('consumer stopped', { ...consumer.stats });
}
