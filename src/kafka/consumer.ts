import type { Batch, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { faultPoint } from '../chaos-hooks';
import { decodeMessage } from '../contracts/events';
import { consumerMessages } from '../observability/metrics';
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
  /** Called with every kafkajs member this consumer creates (the first and any replacement), to watch its events. */
  onMember?: (member: Consumer) => void;
}

export interface ConsumerStats {
  messages: number;
  handedOver: number;
  deadLettered: number;
  retries: number;
  /** Times a crashed kafkajs member was replaced by a fresh one. */
  recoveries: number;
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

/**
 * The coordinator's answer inside a kafkajs error when it says this member must
 * rejoin the group; kafkajs wraps some of them (a refused commit) in a
 * non-retriable error whose cause carries the type.
 */
export function rejoinError(err: unknown): Error | undefined {
  for (const e of [err, (err as { cause?: unknown } | null)?.cause]) {
    const type = (e as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && REJOIN_ERRORS.has(type)) return e as Error;
  }
  return undefined;
}

/** Longest pause before a crashed member's replacement joins; the first pause is 1 s and doubles. */
const MAX_RECOVERY_DELAY_MS = 30_000;

/**
 * The Kafka transport: subscribes, validates, routes refused messages to the
 * DLQ, and commits an offset only when that message and every earlier one in
 * its partition has been handed over (to Temporal or to the DLQ). Business
 * logic arrives as `handler`.
 */
export class OrderEventConsumer {
  private consumer: Consumer;
  private stopping = false;
  /** Set when the coordinator asked for a rejoin: every batch in flight gives up. */
  private rejoinPending = false;
  private recovering: Promise<void> | null = null;
  private failedReplacement: { member: Consumer; err: Error } | null = null;
  readonly stats: ConsumerStats = {
    messages: 0,
    handedOver: 0,
    deadLettered: 0,
    retries: 0,
    recoveries: 0,
  };

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: Topics,
    private readonly dlq: EventProducer,
    private readonly handler: OrderEventsHandler,
    private readonly options: ConsumerOptions,
  ) {
    this.consumer = this.createMember();
  }

  private createMember(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      // A member killed with -9 holds its partitions until its session expires;
      // 10 s bounds that stall. kafkajs heartbeats only when asked, so batches
      // heartbeat after every hand-over and while retrying one.
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxBytesPerPartition: 10 * 1024 * 1024,
      allowAutoTopicCreation: false,
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.rejoinPending = false;
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) this.recover(consumer, e.payload.error);
    });
    this.options.onMember?.(consumer);
    return consumer;
  }

  private log(msg: string) {
    this.options.log?.(msg);
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: eventTopics(this.topics), fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently,
      // kafkajs passes plain closures typed as methods; they do not use `this`.
      // eslint-disable-next-line @typescript-eslint/unbound-method
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        const alive = () => !this.stopping && !this.rejoinPending && isRunning() && !isStale();
        try {
          await this.processBatch(batch, heartbeat, alive, resolveOffset);
        } catch (err) {
          if (err instanceof StoppedError) return; // uncommitted messages are re-read by whoever owns the partition next
          throw err;
        }
      },
    });
  }

  /**
   * kafkajs gave this member up (for example it was fenced out of the group and
   * its rejoin was refused). Nothing uncommitted is lost: a fresh member rejoins
   * after a pause and re-reads from the committed offsets; the workflow ignores
   * events it already has. The process stays up, as a consumer should.
   */
  private recover(crashed: Consumer, err: Error): void {
    if (this.stopping || crashed !== this.consumer) return;
    if (this.recovering) {
      // A replacement that fails to join crashes inside its own start().
      this.failedReplacement = { member: crashed, err };
      return;
    }
    this.stats.recoveries++;
    this.log(`kafka consumer crashed (${err.message}); a new member will join the group`);
    this.recovering = (async () => {
      for (let attempt = 1; !this.stopping; attempt++) {
        const delay = Math.min(MAX_RECOVERY_DELAY_MS, 1000 * 2 ** Math.min(attempt - 1, 5));
        for (const until = Date.now() + delay; Date.now() < until && !this.stopping;)
          await new Promise((r) => setTimeout(r, 250));
        if (this.stopping) return;
        const member = this.createMember();
        this.consumer = member;
        this.rejoinPending = false;
        let failure: Error | undefined;
        try {
          await this.start();
          if (this.failedReplacement?.member === member) failure = this.failedReplacement.err;
        } catch (e) {
          failure = e as Error;
        }
        if (!failure) {
          this.log(`kafka consumer rejoined the group (attempt ${attempt})`);
          return;
        }
        this.log(`rejoin attempt ${attempt} failed: ${failure.message}`);
        await member.disconnect().catch(() => undefined);
      }
    })().finally(() => {
      this.recovering = null;
      this.failedReplacement = null;
    });
  }

  /** Stop fetching, let in-flight hand-overs finish and commit, then leave the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.recovering;
    await this.consumer.disconnect();
  }

  /**
   * Heartbeats. An answer that says the group is rebalancing (or has dropped this
   * member) abandons the batch, uncommitted, so kafkajs can rejoin at once
   * instead of keeping the whole group waiting; other failures, such as a broker
   * restart, are left to the caller's retries.
   */
  private async beat(heartbeat: () => Promise<void>, what: string): Promise<void> {
    try {
      await heartbeat();
    } catch (err) {
      const rejoin = rejoinError(err);
      if (!rejoin) return;
      if (!this.rejoinPending) this.log(`${what}: the group is rebalancing; giving up to rejoin`);
      this.rejoinPending = true;
      throw rejoin;
    }
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
    consumerMessages.inc({ topic, outcome: 'dead_lettered' }, letters.length);

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
        while (next < orders.length) {
          if (abandoned || this.rejoinPending) throw new StoppedError('batch given up');
          const [orderId, events] = orders[next++]!;
          try {
            // One lane sends all of an order's chunks, in order.
            for (const chunk of chunkBySize(events, SIGNAL_BYTES)) {
              faultPoint('consumer-before-signal');
              await this.retrying(
                `signal ${orderId}`,
                () => this.handler(orderId, chunk),
                heartbeat,
                laneAlive,
              );
              faultPoint('consumer-after-signal');
            }
            this.stats.handedOver += events.length;
            consumerMessages.inc({ topic, outcome: 'delivered' }, events.length);
            await this.beat(heartbeat, `signal ${orderId}`);
          } catch (err) {
            abandoned = true;
            throw err;
          }
        }
      },
    );
    await Promise.all(lanes);

    const last = batch.messages[batch.messages.length - 1];
    if (!last) return;
    // Everything in this batch is handed over, so the whole batch may be committed.
    // resolveOffset moves this member's fetch position; commitOffsets makes it durable.
    resolveOffset(last.offset);
    try {
      await this.consumer.commitOffsets([
        { topic, partition, offset: (BigInt(last.offset) + 1n).toString() },
      ]);
    } catch (err) {
      const rejoin = rejoinError(err);
      if (!rejoin) throw err;
      // Fenced out of the group mid-batch. The events are handed over, so the
      // partition's next owner re-reads them and the workflow ignores the repeats.
      this.log(
        `commit ${topic}/${partition}@${last.offset} refused (${rejoin.message}); rejoining`,
      );
      this.rejoinPending = true;
      throw rejoin; // the unwrapped coordinator error, which kafkajs answers by rejoining
    }
    await this.beat(heartbeat, `${topic}/${partition}`);
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
   * Runs one hand-over while heartbeating every second. kafkajs sends heartbeats
   * only when asked, so a slow Temporal call (seconds on a loaded machine) would
   * otherwise let the 10 s session lapse and fence this member out mid-batch.
   * A rebalance noticed meanwhile is raised once the call has settled.
   */
  private async heartbeating(
    fn: () => Promise<void>,
    heartbeat: () => Promise<void>,
    what: string,
  ): Promise<void> {
    let rejoin: Error | undefined;
    const timer = setInterval(() => {
      this.beat(heartbeat, what).catch((err: unknown) => {
        rejoin ??= err as Error;
      });
    }, 1000);
    try {
      await fn();
    } finally {
      clearInterval(timer);
    }
    if (rejoin !== undefined) throw rejoin;
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
        await this.heartbeating(fn, heartbeat, what);
        return;
      } catch (err) {
        if (rejoinError(err)) throw err;
        this.stats.retries++;
        if (attempt === 1 || attempt % 10 === 0) {
          this.log(`${what} failed (attempt ${attempt}), retrying: ${(err as Error).message}`);
        }
      }
      const until = Date.now() + delay;
      while (Date.now() < until) {
        if (!alive()) throw new StoppedError(what);
        // A rebalance must not wait for Temporal to come back.
        await this.beat(heartbeat, what);
        await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
      }
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
