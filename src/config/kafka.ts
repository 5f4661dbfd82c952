import { z } from 'zod';
import { DEFAULT_TOPICS } from '../contracts/topics';
import { ConfigError } from './config-error';
import { bool, hostPort, positiveInt } from './values';

/** Brokers, security, topic names and the consumer group's settings. */
export const kafkaEnv = z.object({
  ORDERSYNC_KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((v) => v.split(',').map((s) => s.trim()))
    .pipe(z.array(hostPort).min(1)),
  ORDERSYNC_KAFKA_CLIENT_ID: z.string().min(1).default('ordersync'),
  ORDERSYNC_KAFKA_SSL: bool.default(false),
  ORDERSYNC_KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  ORDERSYNC_KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  ORDERSYNC_KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  ORDERSYNC_KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  ORDERSYNC_TOPIC_ONLINE: z.string().min(1).default(DEFAULT_TOPICS.online),
  ORDERSYNC_TOPIC_STORE: z.string().min(1).default(DEFAULT_TOPICS.store),
  ORDERSYNC_TOPIC_INTERNATIONAL: z.string().min(1).default(DEFAULT_TOPICS.international),
  ORDERSYNC_TOPIC_DLQ: z.string().min(1).default(DEFAULT_TOPICS.dlq),
  ORDERSYNC_TOPIC_PARTITIONS: positiveInt.default(12),
  ORDERSYNC_CONSUMER_GROUP: z.string().min(1).default('ordersync-consumer'),
  ORDERSYNC_SIGNAL_CONCURRENCY: positiveInt.default(64),
  ORDERSYNC_MAX_MESSAGE_BYTES: positiveInt.default(256 * 1024),
});

/** A SASL mechanism needs its username and password. */
export function checkKafkaEnv(cfg: z.infer<typeof kafkaEnv>): void {
  if (
    cfg.ORDERSYNC_KAFKA_SASL_MECHANISM &&
    !(cfg.ORDERSYNC_KAFKA_SASL_USERNAME && cfg.ORDERSYNC_KAFKA_SASL_PASSWORD)
  ) {
    throw new ConfigError(
      'ORDERSYNC_KAFKA_SASL_MECHANISM needs ORDERSYNC_KAFKA_SASL_USERNAME and ORDERSYNC_KAFKA_SASL_PASSWORD',
      ['ORDERSYNC_KAFKA_SASL_USERNAME', 'ORDERSYNC_KAFKA_SASL_PASSWORD'],
    );
  }
}
