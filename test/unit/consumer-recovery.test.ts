import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { Topics } from '../../src/contracts/topics';
import { OrderEventConsumer } from '../../src/kafka/consumer';
import { rejoinError } from '../../src/kafka/group-errors';
import type { EventProducer } from '../../src/kafka/producer';

// kafkajs's group membership is faked here to drive the crash path on demand; the
// real broker's side (fencing, rejoin) runs in test/integration/consumer.test.ts
// and in the consumer-stall chaos scenario.

const topics: Topics = { online: 'o', store: 's', international: 'i', dlq: 'd' };
const EVENTS = { CRASH: 'crash', GROUP_JOIN: 'group-join' } as const;

/** A stand-in for one kafkajs consumer: joins on run() unless told to fail. */
class FakeMember extends EventEmitter {
  readonly events = EVENTS;
  connected = false;
  constructor(private readonly joinFails: boolean) {
    super();
  }
  async connect() {
    this.connected = true;
  }
  async subscribe() {}
  async run() {
    // kafkajs reports a failed join through CRASH before run() resolves.
    if (this.joinFails) this.crash(new Error('join refused'));
    else this.emit(EVENTS.GROUP_JOIN, {});
  }
  async disconnect() {
    this.connected = false;
  }
  crash(error: Error) {
    this.emit(EVENTS.CRASH, { payload: { error, restart: false } });
  }
  override on(event: string, listener: (e: { payload: never }) => void) {
    return super.on(event, listener);
  }
}

function fakeKafka(joins: boolean[]) {
  const members: FakeMember[] = [];
  const kafka = {
    consumer: () => {
      const m = new FakeMember(!(joins[members.length] ?? true));
      members.push(m);
      return m;
    },
  } as unknown as Kafka;
  return { kafka, members };
}

const until = async (cond: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
};

const options = {
  groupId: 'g',
  maxMessageBytes: 1024,
  signalConcurrency: 1,
  partitionsConcurrently: 1,
};

describe('OrderEventConsumer after kafkajs gives a member up', () => {
  it('replaces the member, retrying a refused rejoin with a growing pause, and keeps the process up', async () => {
    // member 0 joins, then crashes; member 1's join is refused; member 2 joins.
    const { kafka, members } = fakeKafka([true, false, true]);
    const logs: string[] = [];
    const c = new OrderEventConsumer(kafka, topics, {} as EventProducer, async () => undefined, {
      ...options,
      log: (m) => logs.push(m),
    });
    await c.start();
    members[0]!.crash(new Error('The coordinator is not aware of this member'));
    await until(() => members.length === 3 && members[2]!.connected, 10_000);
    expect(c.stats.recoveries).toBe(1);
    expect(members[1]!.connected).toBe(false); // the refused one was let go
    expect(logs.some((l) => l.includes('rejoin attempt 1 failed: join refused'))).toBe(true);
    expect(logs.some((l) => l.includes('rejoined the group (attempt 2)'))).toBe(true);
    await c.stop();
    expect(members[2]!.connected).toBe(false);
  });

  it('stops promptly while it waits to replace a member', async () => {
    const { kafka, members } = fakeKafka([true]);
    const c = new OrderEventConsumer(
      kafka,
      topics,
      {} as EventProducer,
      async () => undefined,
      options,
    );
    await c.start();
    members[0]!.crash(new Error('gone'));
    const started = Date.now();
    await c.stop();
    expect(Date.now() - started).toBeLessThan(900); // the first pause is 1 s
    expect(members).toHaveLength(1); // no replacement joined after the stop
  });
});

/** kafkajs's retrier rejects with `new KafkaJSNonRetriableError(e, { cause: e })`. */
const wrapLikeTheRetrier = (e: Error) =>
  Object.assign(new KafkaJSNonRetriableError(e), { cause: e });

describe('rejoinError', () => {
  const unknownMember = new KafkaJSProtocolError({
    type: 'UNKNOWN_MEMBER_ID',
    code: 25,
    retriable: false,
    message: 'The coordinator is not aware of this member',
  } as never);

  it('finds the coordinator answer kafkajs wraps in a non-retriable error (a refused commit)', () => {
    const wrapped = wrapLikeTheRetrier(unknownMember);
    expect(rejoinError(wrapped)).toBe(unknownMember);
    expect(rejoinError(unknownMember)).toBe(unknownMember);
  });

  it('ignores errors that do not ask for a rejoin', () => {
    expect(rejoinError(new Error('connection refused'))).toBeUndefined();
    expect(rejoinError(undefined)).toBeUndefined();
    const other = new KafkaJSProtocolError({
      type: 'NOT_LEADER_FOR_PARTITION',
      code: 6,
      retriable: true,
      message: 'not the leader',
    } as never);
    expect(rejoinError(wrapLikeTheRetrier(other))).toBeUndefined();
  });
});
