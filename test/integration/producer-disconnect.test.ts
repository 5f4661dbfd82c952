import type { Kafka, Producer, ProducerConfig } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../src/kafka/client';
import { EventProducer } from '../../src/kafka/producer';
import { topicsFromConfig } from '../../src/kafka/topics';
import { testEnv } from '../support/env';
import { TcpProxy } from '../support/tcp-proxy';

// The real-broker twin of test/unit/producer-disconnect.test.ts: the producer's lazy
// connect is held up because its first broker address refuses connections (a proxy
// to the real broker, closed), the process shuts the producer down, and only then
// does the broker become reachable.
const { cfg } = testEnv('producer-disconnect');
const [host, port] = cfg.ORDERSYNC_KAFKA_BROKERS[0]!.split(':');
const proxy = new TcpProxy(host!, Number(port));
const producers: Producer[] = [];

afterAll(async () => {
  await proxy.cut();
  for (const p of producers) await p.disconnect().catch(() => undefined);
});

describe('EventProducer.disconnect during a lazy connect, on Kafka', () => {
  it('leaves the producer disconnected when the broker answers only after the disconnect', async () => {
    await proxy.open();
    await proxy.cut(); // keeps the port, which now refuses connections
    const viaProxy = createKafka(
      { ...cfg, ORDERSYNC_KAFKA_BROKERS: [`127.0.0.1:${proxy.port}`] },
      '-test-admin',
    );
    const direct = createKafka(cfg, '-test');
    let connected = false;
    const kafka = {
      admin: () => viaProxy.admin(),
      producer: (options: ProducerConfig) => {
        const p = direct.producer(options);
        producers.push(p);
        p.on(p.events.CONNECT, () => (connected = true));
        p.on(p.events.DISCONNECT, () => (connected = false));
        return p;
      },
    } as unknown as Kafka;
    const events = new EventProducer(kafka, topicsFromConfig(cfg));
    const outcome = events.connect().then(
      () => 'connected',
      (err: Error) => err.name,
    );
    const started = Date.now();
    await events.disconnect();
    // The connect was still retrying the closed address: disconnect waited its 5 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_500);
    await proxy.open();
    expect(await outcome).toBe('ProducerDisconnectedError');
    // Anything still connecting late would show within a second.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(connected).toBe(false);
  });
});
