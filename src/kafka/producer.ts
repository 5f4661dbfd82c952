import { CompressionTypes, KafkaJSProtocolError, Partitioners } from 'kafkajs';
import type { IHeaders, Kafka, Message, Producer } from 'kafkajs';
import { topicForChannel } from '../contracts/events';
import type { OrderEvent } from '../contracts/events';
import { DLQ_REASONS, ERP_SOURCE_TOPIC, HEADERS } from '../contracts/topics';
import type { Topics } from '../contracts/topics';
import type { ErpEvent } from '../erp/source';
import { countDeadLetters } from '../observability/metrics';
import { checkReplication } from './replication';
import type { ReplicationWarning } from './replication';
import { BATCH_OVERHEAD_BYTES, fitsAlone, planSends, recordBytes } from './send-plan';
import type { PlannedMessage, TopicLayout } from './send-plan';
import {
  BROKER_DEFAULT_MAX_MESSAGE_BYTES,
  ensureTopics,
  eventTopics,
  readTopicLayouts,
} from './topics';

export interface DeadLetter {
  key: Buffer | null;
  value: Buffer | null;
  reason: string;
  detail: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
}

/** Thrown when the broker refuses a send as too large although the plan fitted the limits read at start-up. */
export class TopicLimitChangedError extends Error {
  override readonly name = 'TopicLimitChangedError';
}

/** Thrown to a connect (and any send waiting on it) that a disconnect cancelled. */
export class ProducerDisconnectedError extends Error {
  override readonly name = 'ProducerDisconnectedError';
}

export interface EventProducerOptions {
  /** Create missing topics with this many partitions when first connecting (the worker does). */
  createTopicsWithPartitions?: number;
  /** Told about topics created on first connect. */
  onTopicsCreated?: (topics: string[]) => void;
  /**
   * Told, on each connect, about every topic whose replication is weaker than
   * the cluster allows (see replicationWarnings); a failed check is reported as
   * a warning too and never stops the producer.
   */
  onReplicationWarning?: (warning: ReplicationWarning) => void;
}

/**
 * The one producer ordersync uses: idempotent, acks from all in-sync replicas,
 * and the order id as key so one order's events share a partition.
 *
 * It connects lazily, on the first send, so a worker starts (and applies
 * orders, which need only Temporal and MySQL) while Kafka is down; a failed
 * connect is tried again by the next send. Connecting also reads every topic's
 * real `max.message.bytes` and partition count, which decide how sends are split.
 * A disconnect cancels a connect under way, so that connect never completes
 * after it; a later send connects afresh.
 */
export class EventProducer {
  private readonly producer: Producer;
  private ready: Promise<void> | undefined;
  /** Cancels the connect `ready` stands for. */
  private cancelConnect: AbortController | undefined;
  /** A cancelled connect still winding down; the next connect starts after it. */
  private windingDown: Promise<void> = Promise.resolve();
  private layouts = new Map<string, TopicLayout>();

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: Topics,
    private readonly options: EventProducerOptions = {},
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
  }

  /** Connects now instead of on the first send; rejects while Kafka is unreachable. */
  connect(): Promise<void> {
    if (!this.ready) {
      const cancel = new AbortController();
      const ready: Promise<void> = this.windingDown
        .then(() => this.prepare(cancel.signal))
        .catch((err: unknown) => {
          if (this.ready === ready) this.ready = undefined;
          throw err;
        });
      this.ready = ready;
      this.cancelConnect = cancel;
    }
    return this.ready;
  }

  async disconnect(): Promise<void> {
    const ready = this.ready;
    if (!ready) return;
    this.ready = undefined;
    this.cancelConnect?.abort();
    this.cancelConnect = undefined;
    const settled = ready.then(
      () => undefined,
      () => undefined,
    );
    this.windingDown = settled;
    // A connect that is still retrying (Kafka down) must not hold up shutdown for
    // long; cancelled, it connects nothing when it gets through.
    await Promise.race([settled, new Promise((r) => setTimeout(r, 5_000).unref())]);
    await this.producer.disconnect();
  }

  private async prepare(cancelled: AbortSignal): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      throwIfCancelled(cancelled);
      const partitions = this.options.createTopicsWithPartitions;
      if (partitions) {
        const created = await ensureTopics(admin, this.topics, partitions);
        if (created.length > 0) this.options.onTopicsCreated?.(created);
      }
      const ours = [...eventTopics(this.topics), this.topics.dlq];
      this.layouts = await readTopicLayouts(admin, ours);
      const warn = this.options.onReplicationWarning;
      if (warn) {
        const warnings = await checkReplication(admin, ours).catch((err: unknown) => [
          { topic: '*', message: `could not check the topics' replication: ${String(err)}` },
        ]);
        for (const w of warnings) warn(w);
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    throwIfCancelled(cancelled);
    await this.producer.connect();
    if (cancelled.aborted) {
      // The disconnect came while this connect was under way and may have finished already.
      await this.producer.disconnect().catch(() => undefined);
      throwIfCancelled(cancelled);
    }
  }

  /** A topic's limit and partition count as read on connect (the broker default if unknown). */
  layoutOf(topic: string): TopicLayout {
    return (
      this.layouts.get(topic) ?? {
        maxMessageBytes: BROKER_DEFAULT_MAX_MESSAGE_BYTES,
        partitions: 1,
      }
    );
  }

  /**
   * Produces ERP events in order; resolves only once every one is acknowledged.
   * The page is split so no partition's batch exceeds its topic's limit. A row
   * that cannot be produced at all (unknown channel, too large for its topic
   * even alone) is dead-lettered with its change-log sequence, so one bad row
   * can never stop the poller. Returns how many were dead-lettered.
   */
  async sendEvents(events: readonly ErpEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    await this.connect();
    const outgoing: Array<PlannedMessage & { key: string; value: string }> = [];
    const refused: DeadLetter[] = [];
    for (const e of events) {
      const { seq, ...rest } = e;
      const value = JSON.stringify(rest);
      const topic =
        Object.hasOwn(this.topics, e.channel) && String(e.channel) !== 'dlq'
          ? topicForChannel(this.topics, e.channel)
          : undefined;
      const message = {
        topic: topic ?? '',
        key: e.orderId,
        value,
        headers: { [HEADERS.eventId]: String(e.eventId), [HEADERS.eventType]: String(e.type) },
      };
      const limit = topic ? this.layoutOf(topic).maxMessageBytes : 0;
      if (!topic || !fitsAlone(message, limit)) {
        refused.push({
          key: typeof e.orderId === 'string' ? Buffer.from(e.orderId) : null,
          value: Buffer.from(value),
          reason: topic ? DLQ_REASONS.erpRowOversized : DLQ_REASONS.erpRowUnknownChannel,
          detail: topic
            ? `${Buffer.byteLength(value)} bytes; ${topic} takes at most ${limit} per batch`
            : `channel ${JSON.stringify(String(e.channel)).slice(0, 40)}`,
          sourceTopic: ERP_SOURCE_TOPIC,
          sourcePartition: -1,
          sourceOffset: String(seq),
        });
        continue;
      }
      outgoing.push(message);
    }
    for (const send of planSends(outgoing, (t) => this.layoutOf(t))) {
      await this.sendPlanned(send);
    }
    await this.sendDeadLetters(refused);
    return refused.length;
  }

  /** One planned send; a refusal as too large means a limit changed, so they are read again. */
  private async sendPlanned(messages: readonly PlannedMessage[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, ...m } of messages) {
      const list = byTopic.get(topic) ?? [];
      list.push(m);
      byTopic.set(topic, list);
    }
    try {
      await this.producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })),
      });
    } catch (err) {
      if (!isTooLarge(err)) throw err;
      const admin = this.kafka.admin();
      await admin.connect();
      try {
        this.layouts = await readTopicLayouts(admin, [...this.layouts.keys()]);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      throw new TopicLimitChangedError(
        `the broker refused a send as too large; topic limits were read again, retry: ${(err as Error).message}`,
      );
    }
  }

  /**
   * Dead-letters events that were valid but could not be kept (a blocked order's
   * queue is full). The source is the event's channel topic, so
   * `ordersync dlq replay` sends them back through the consumer.
   */
  async deadLetterEvents(events: readonly OrderEvent[], reason: string, detail: string) {
    await this.connect();
    await this.sendDeadLetters(
      events.map((e) => ({
        key: Buffer.from(e.orderId),
        value: Buffer.from(JSON.stringify(e)),
        reason,
        detail: `${detail}; event ${e.eventId} v${e.erpVersion}`,
        sourceTopic: topicForChannel(this.topics, e.channel),
        sourcePartition: -1,
        sourceOffset: '-1',
      })),
    );
  }

  /** Copies refused messages to the DLQ with why and where they came from. */
  async sendDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.connect();
    const topic = this.topics.dlq;
    const limit = this.layoutOf(topic).maxMessageBytes;
    const messages = letters.map((l) => {
      const headers: IHeaders = {
        [HEADERS.dlqReason]: l.reason,
        [HEADERS.dlqDetail]: l.detail,
        [HEADERS.dlqTopic]: l.sourceTopic,
        [HEADERS.dlqPartition]: String(l.sourcePartition),
        [HEADERS.dlqOffset]: l.sourceOffset,
      };
      const whole = { topic, key: l.key, value: l.value, headers };
      if (!l.value || fitsAlone(whole, limit)) return whole;
      // A value too large for the DLQ itself is truncated, never dropped; the header says so.
      headers[HEADERS.dlqTruncatedFrom] = String(l.value.length);
      const room = limit - BATCH_OVERHEAD_BYTES - recordBytes({ ...whole, value: null });
      return { ...whole, value: l.value.subarray(0, Math.max(0, room)) };
    });
    for (const send of planSends(messages, (t) => this.layoutOf(t))) {
      await this.sendPlanned(send);
    }
    countDeadLetters(letters);
  }
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted)
    throw new ProducerDisconnectedError('the producer was disconnected while connecting');
}

/** Whether a send failed because a batch exceeded a topic's size limit (also inside kafkajs's wrappers). */
function isTooLarge(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  if (
    err instanceof KafkaJSProtocolError &&
    (err.type === 'MESSAGE_TOO_LARGE' || err.type === 'RECORD_LIST_TOO_LARGE')
  )
    return true;
  const { cause, errors } = err as { cause?: unknown; errors?: unknown };
  return isTooLarge(cause) || (Array.isArray(errors) && errors.some(isTooLarge));
}
