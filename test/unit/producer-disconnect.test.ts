import type { Kafka } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Topics } from '../../src/contracts/topics';
import { EventProducer } from '../../src/kafka/producer';

// kafkajs is faked here so that a connect can be held at any step on demand; the
// same race against the real broker (a connect held up by an unreachable
// bootstrap address) runs in test/integration/producer-disconnect.test.ts.

const topics: Topics = { online: 'o', store: 's', international: 'i', dlq: 'd' };

/** A kafkajs client whose admin connects only when the test says so. */
function fakeKafka() {
  let admitAdmin!: () => void;
  const adminAdmitted = new Promise<void>((resolve) => (admitAdmin = resolve));
  const producer = { connected: false, connects: 0, disconnects: 0 };
  const kafka = {
    admin: () => ({
      connect: () => adminAdmitted,
      disconnect: async () => undefined,
      listTopics: async () => [],
    }),
    producer: () => ({
      connect: async () => {
        producer.connected = true;
        producer.connects++;
      },
      disconnect: async () => {
        producer.connected = false;
        producer.disconnects++;
      },
    }),
  } as unknown as Kafka;
  return { kafka, admitAdmin, producer };
}

/** An EventProducer on the fake client, with its lazy connect started and held at the admin. */
function connectingProducer() {
  const { kafka, admitAdmin, producer } = fakeKafka();
  const events = new EventProducer(kafka, topics);
  const connecting = events.connect();
  connecting.catch(() => undefined);
  return { events, connecting, admitAdmin, producer };
}

/** Lets every pending promise callback run (fake timers do not drive them). */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('EventProducer.disconnect during a lazy connect', () => {
  it('cancels a connect that outlives the shutdown wait, so the producer is never left connected', async () => {
    const { events, connecting, admitAdmin, producer } = connectingProducer();
    const outcome = connecting.then(
      () => 'connected',
      (err: Error) => err.name,
    );
    const disconnected = events.disconnect();
    await vi.advanceTimersByTimeAsync(5_000);
    await disconnected;
    // Kafka answers only now, after disconnect has returned.
    admitAdmin();
    await settle();
    expect(await outcome).toBe('ProducerDisconnectedError');
    expect(producer.connected).toBe(false);
    expect(producer.connects).toBe(0);
  });

  it('waits for a connect in flight to settle before it disconnects', async () => {
    const { events, admitAdmin, producer } = connectingProducer();
    let returned = false;
    const disconnected = events.disconnect().then(() => (returned = true));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(returned).toBe(false);
    admitAdmin();
    await settle();
    await disconnected;
    expect(returned).toBe(true);
    expect(producer.connected).toBe(false);
    expect(producer.disconnects).toBe(1);
  });

  it('connects again after a disconnect, once the cancelled connect has wound down', async () => {
    const { events, admitAdmin, producer } = connectingProducer();
    const disconnected = events.disconnect();
    await vi.advanceTimersByTimeAsync(5_000);
    await disconnected;
    const again = events.connect();
    admitAdmin();
    await settle();
    await again;
    expect(producer.connected).toBe(true);
    expect(producer.connects).toBe(1);
  });
});
