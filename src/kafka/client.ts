import { readFileSync } from 'node:fs';
import { Kafka } from 'kafkajs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { Config } from '../config';
import { kafkaLogCreator, kafkaLogLevel } from '../observability/sdk-logs';

function sasl(cfg: Config): SASLOptions | undefined {
  const mechanism = cfg.ORDERSYNC_KAFKA_SASL_MECHANISM;
  const username = cfg.ORDERSYNC_KAFKA_SASL_USERNAME;
  const password = cfg.ORDERSYNC_KAFKA_SASL_PASSWORD;
  if (!mechanism || !username || !password) return undefined;
  return { mechanism, username, password };
}

export function createKafka(cfg: Config, clientIdSuffix = ''): Kafka {
  const options: KafkaConfig = {
    clientId: `${cfg.ORDERSYNC_KAFKA_CLIENT_ID}${clientIdSuffix}`,
    brokers: [...cfg.ORDERSYNC_KAFKA_BROKERS],
    logLevel: kafkaLogLevel(),
    logCreator: kafkaLogCreator,
    connectionTimeout: 5_000,
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 10_000 },
  };
  if (cfg.ORDERSYNC_KAFKA_SSL || cfg.ORDERSYNC_KAFKA_SSL_CA_FILE) {
    options.ssl = cfg.ORDERSYNC_KAFKA_SSL_CA_FILE
      ? { ca: [readFileSync(cfg.ORDERSYNC_KAFKA_SSL_CA_FILE, 'utf8')] }
      : true;
  }
  const auth = sasl(cfg);
  if (auth) options.sasl = auth;
  return new Kafka(options);
}
