import { CompressionTypes, Partitioners } from 'kafkajs';
import type { IHeaders, Kafka, Producer } from 'kafkajs';
import { HEADERS, topicForChannel } from '../contracts/events';
import type { Topics } from '../contracts/events';
import type { ErpEvent } from '../erp/source';
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

  /** Produces ERP events; resolves only once every one is acknowledged. */
  async sendEvents(events: readonly ErpEvent[]): Promise<void> {
    if (events.length === 0) return;
    const byTopic = new Map<string, Array<{ key: string; value: string; headers: IHeaders }>>();
    for (const e of events) {
      const { seq: _seq, ...value } = e;
      const topic = topicForChannel(this.topics, e.channel);
      const list = byTopic.get(topic) ?? [];
      list.push({
        key: e.orderId,
        value: JSON.stringify(value),
        headers: { [HEADERS.eventId]: e.eventId, [HEADERS.eventType]: e.type },
      });
      byTopic.set(topic, list);
    }
    await this.producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  /** Copies refused messages to the DLQ with why and where they came from. */
  async sendDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const limit = TOPIC_MAX_MESSAGE_BYTES - 64 * 1024;
    await this.producer.send({
      topic: this.topics.dlq,
      acks: -1,
      messages: letters.map((l) => ({
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
      })),
    });
  }
}
