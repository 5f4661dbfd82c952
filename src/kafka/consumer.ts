import type { Batch, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { faultPoint } from '../chaos-hooks';
import { decodeMessage } from '../contracts/events';
import type { OrderEvent, Topics } from '../contracts/events';
import type { EventProducer } from './producer';
import { eventTopics } from './topics';

/** Hands one order's events (in offset order) to durable storage; resolves only once they are safe. */
export type OrderEventsHandler = (orderId: string, events: OrderEvent[]) => Promise<void>;

export interface ConsumerOptions {
  groupId: string;
  maxMessageBytes: number;
  /** Orders handed over at once, across all partitions of one batch. */
  signalConcurrency: number;
  /** Partitions processed at the same time. */
  partitionsConcurrently: number;
  log?: (msg: string) => void;
}

export interface ConsumerStats {
  messages: number;
  handedOver: number;
  deadLettered: number;
  retries: number;
}

/** Bytes of events per signal, well under Temporal's default 2 MB payload limit. */
const SIGNAL_BYTES = 512 * 1024;

/** Splits a list into consecutive chunks whose JSON size stays under `limit` (one item may exceed it alone). */
export function chunkBySize<T>(items: readonly T[], limit: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const n = Buffer.byteLength(JSON.stringify(item));
    if (current.length > 0 && size + n > limit) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

class StoppedError extends Error {
  override readonly name = 'StoppedError';
}

/** Coordinator answers meaning this member must rejoin the group before it may commit. */
const REJOIN_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'NOT_COORDINATOR_FOR_GROUP',
  'UNKNOWN_MEMBER_ID',
]);

/** True for a heartbeat failure that says the group has moved on without this member. */
export function mustRejoin(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return typeof type === 'string' && REJOIN_ERRORS.has(type);
}

/**
 * The Kafka transport: subscribes, validates, routes refused messages to the
 * DLQ, and commits an offset only when that message and every earlier one in
 * its partition has been handed over (to Temporal or to the DLQ). Business
 * logic arrives as `handler`.
 */
export class OrderEventConsumer {
  private readonly consumer: Consumer;
  private stopping = false;
  readonly stats: ConsumerStats = { messages: 0, handedOver: 0, deadLettered: 0, retries: 0 };

  constructor(
    kafka: Kafka,
    private readonly topics: Topics,
    private readonly dlq: EventProducer,
    private readonly handler: OrderEventsHandler,
    private readonly options: ConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      // A member killed with -9 holds its partitions until its session expires;
      // 10 s bounds that stall. Hand-over retries heartbeat, so slowness is not death.
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxBytesPerPartition: 10 * 1024 * 1024,
      allowAutoTopicCreation: false,
    });
  }

  private log(msg: string) {
    this.options.log?.(msg);
  }

  // Declared before `crashed`: fields initialise in order, and `crashed` replaces it.
  private onCrash: (err: Error) => void = () => undefined;
  /** Resolves if kafkajs gives up on this member (a crash it will not restart from). */
  readonly crashed = new Promise<Error>((resolve) => {
    this.onCrash = resolve;
  });

  async start(): Promise<void> {
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      if (!e.payload.restart) this.onCrash(e.payload.error);
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: eventTopics(this.topics), fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently,
      // kafkajs passes plain closures typed as methods; they do not use `this`.
      // eslint-disable-next-line @typescript-eslint/unbound-method
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        const alive = () => !this.stopping && isRunning() && !isStale();
        try {
          await this.processBatch(batch, heartbeat, alive, resolveOffset);
        } catch (err) {
          if (err instanceof StoppedError) return; // uncommitted messages are re-read by whoever owns the partition next
          throw err;
        }
      },
    });
  }

  /** Stop fetching, let in-flight hand-overs finish and commit, then leave the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect();
  }

  private async processBatch(
    batch: Batch,
    heartbeat: () => Promise<void>,
    alive: () => boolean,
    resolveOffset: (offset: string) => void,
  ): Promise<void> {
    const { topic, partition } = batch;
    const byOrder = new Map<string, OrderEvent[]>();
    const letters: Parameters<EventProducer['sendDeadLetters']>[0][number][] = [];
    for (const m of batch.messages) {
      this.stats.messages++;
      const decoded = decodeMessage(m.key, m.value, this.options.maxMessageBytes);
      if (decoded.ok) {
        const list = byOrder.get(decoded.event.orderId) ?? [];
        list.push(decoded.event);
        byOrder.set(decoded.event.orderId, list);
      } else {
        letters.push(this.deadLetter(topic, partition, m, decoded.reason, decoded.detail));
      }
    }

    await this.retrying(
      `DLQ ${topic}/${partition}`,
      () => this.dlq.sendDeadLetters(letters),
      heartbeat,
      alive,
    );
    this.stats.deadLettered += letters.length;

    // Different orders concurrently, one order's events as few signals as the
    // Temporal payload limit allows (2 MB), in offset order.
    const orders = [...byOrder];
    let next = 0;
    // When one lane gives the batch up, the others stop too instead of signalling on.
    let abandoned = false;
    const laneAlive = () => !abandoned && alive();
    const lanes = Array.from(
      { length: Math.min(this.options.signalConcurrency, orders.length) },
      async () => {
        while (next < orders.length && !abandoned) {
          const [orderId, events] = orders[next++]!;
          // One lane sends all of an order's chunks, in order.
          for (const chunk of chunkBySize(events, SIGNAL_BYTES)) {
            faultPoint('consumer-before-signal');
            await this.retrying(
              `signal ${orderId}`,
              () => this.handler(orderId, chunk),
              heartbeat,
              laneAlive,
            ).catch((err: unknown) => {
              abandoned = true;
              throw err;
            });
            faultPoint('consumer-after-signal');
          }
          this.stats.handedOver += events.length;
        }
      },
    );
    await Promise.all(lanes);

    const last = batch.messages[batch.messages.length - 1];
    if (!last) return;
    // Everything in this batch is handed over, so the whole batch may be committed.
    // resolveOffset moves this member's fetch position; commitOffsets makes it durable.
    resolveOffset(last.offset);
    await this.consumer.commitOffsets([
      { topic, partition, offset: (BigInt(last.offset) + 1n).toString() },
    ]);
    await heartbeat();
  }

  private deadLetter(
    topic: string,
    partition: number,
    m: KafkaMessage,
    reason: string,
    detail: string,
  ) {
    this.log(`dead-letter ${topic}/${partition}@${m.offset}: ${reason}: ${detail}`);
    return {
      key: m.key,
      value: m.value,
      reason,
      detail,
      sourceTopic: topic,
      sourcePartition: partition,
      sourceOffset: m.offset,
    };
  }

  /**
   * Retries a hand-over until it succeeds, with capped exponential backoff,
   * heartbeating so the group keeps this member while Temporal or Kafka is down.
   */
  private async retrying(
    what: string,
    fn: () => Promise<void>,
    heartbeat: () => Promise<void>,
    alive: () => boolean,
  ): Promise<void> {
    let delay = 200;
    for (let attempt = 1; ; attempt++) {
      // A stop request lets working hand-overs finish so the batch can commit;
      // only a failing one is abandoned (uncommitted, so it is re-read later).
      try {
        await fn();
        return;
      } catch (err) {
        this.stats.retries++;
        if (attempt === 1 || attempt % 10 === 0) {
          this.log(`${what} failed (attempt ${attempt}), retrying: ${(err as Error).message}`);
        }
      }
      const until = Date.now() + delay;
      while (Date.now() < until) {
        if (!alive()) throw new StoppedError(what);
        // A rebalance must not wait for Temporal: give the batch up (uncommitted,
        // so it is re-read) and let kafkajs rejoin. Other heartbeat failures, such
        // as a broker restart, are retried with the hand-over.
        await heartbeat().catch((err: unknown) => {
          if (mustRejoin(err)) {
            this.log(`${what}: group is rebalancing, giving up this batch to rejoin`);
            throw err;
          }
        });
        await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
      }
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
