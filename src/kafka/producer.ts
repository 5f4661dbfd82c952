import { CompressionTypes, Partitioners } from 'kafkajs';
import type { IHeaders, Kafka, Producer } from 'kafkajs';
import { HEADERS, topicForChannel } from '../contracts/events';
import type { OrderEvent, Topics } from '../contracts/events';
import type { ErpEvent } from '../erp/source';
import { countDeadLetters } from '../observability/metrics';
import { TOPIC_MAX_MESSAGE_BYTES } from './topics';

export interface DeadLetter {
  key: Buffer | null;
  value: Buffer | null;
  reason: string;
  detail: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
}

/**
 * The one producer ordersync uses: idempotent, acks from all in-sync replicas,
 * and the order id as key so one order's events share a partition.
 */
export class EventProducer {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly topics: Topics,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  /**
   * Produces ERP events; resolves only once every one is acknowledged. A row
   * that cannot be produced at all (unknown channel, too large for the topic)
   * is dead-lettered with its change-log sequence, so one bad row can never
   * stop the poller. Returns how many were dead-lettered.
   */
  async sendEvents(events: readonly ErpEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const byTopic = new Map<string, Array<{ key: string; value: string; headers: IHeaders }>>();
    const refused: DeadLetter[] = [];
    const limit = TOPIC_MAX_MESSAGE_BYTES - 64 * 1024;
    for (const e of events) {
      const { seq, ...rest } = e;
      const value = JSON.stringify(rest);
      const topic =
        Object.hasOwn(this.topics, e.channel) && String(e.channel) !== 'dlq'
          ? topicForChannel(this.topics, e.channel)
          : undefined;
      if (!topic || Buffer.byteLength(value) > limit) {
        refused.push({
          key: typeof e.orderId === 'string' ? Buffer.from(e.orderId) : null,
          value: Buffer.from(value),
          reason: topic ? 'erp-row-oversized' : 'erp-row-unknown-channel',
          detail: topic
            ? `${Buffer.byteLength(value)} bytes`
            : `channel ${JSON.stringify(String(e.channel)).slice(0, 40)}`,
          sourceTopic: 'erp.order_events',
          sourcePartition: -1,
          sourceOffset: String(seq),
        });
        continue;
      }
      const list = byTopic.get(topic) ?? [];
      list.push({
        key: e.orderId,
        value,
        headers: { [HEADERS.eventId]: String(e.eventId), [HEADERS.eventType]: String(e.type) },
      });
      byTopic.set(topic, list);
    }
    if (byTopic.size > 0) {
      await this.producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    }
    await this.sendDeadLetters(refused);
    return refused.length;
  }

  /**
   * Dead-letters events that were valid but could not be kept (a blocked order's
   * queue is full). The source is the event's channel topic, so
   * `ordersync dlq replay` sends them back through the consumer.
   */
  async deadLetterEvents(events: readonly OrderEvent[], reason: string, detail: string) {
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
    const limit = TOPIC_MAX_MESSAGE_BYTES - 64 * 1024;
    // One request per letter: several large letters together could exceed the topic's limit.
    for (const message of letters.map((l) => ({
      key: l.key,
      // A value too large for the DLQ itself is truncated, never dropped; the header says so.
      value: l.value && l.value.length > limit ? l.value.subarray(0, limit) : l.value,
      headers: {
        [HEADERS.dlqReason]: l.reason,
        [HEADERS.dlqDetail]: l.detail,
        [HEADERS.dlqTopic]: l.sourceTopic,
        [HEADERS.dlqPartition]: String(l.sourcePartition),
        [HEADERS.dlqOffset]: l.sourceOffset,
        ...(l.value && l.value.length > limit
          ? { 'ordersync-dlq-truncated-from': String(l.value.length) }
          : {}),
      },
    }))) {
      await this.producer.send({ topic: this.topics.dlq, acks: -1, messages: [message] });
    }
    countDeadLetters(letters);
  }
}
