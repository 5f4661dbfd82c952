// Every Kafka name ordersync uses: topics, headers and dead-letter reasons. Pure
// constants that import nothing, so the consumer, the producer, the CLI and
// workflow code share them.

/** Topic names per channel, plus the dead-letter topic. */
export interface Topics {
  readonly online: string;
  readonly store: string;
  readonly international: string;
  readonly dlq: string;
}

/** Default topic names; each can be overridden with `ORDERSYNC_TOPIC_<NAME>`. */
export const DEFAULT_TOPICS: Topics = {
  online: 'ordersync.online',
  store: 'ordersync.store',
  international: 'ordersync.international',
  dlq: 'ordersync.dlq',
};

/** The source topic named in letters of ERP rows that could not be produced at all; not a Kafka topic. */
export const ERP_SOURCE_TOPIC = 'erp.order_events';

/** Headers on produced messages, so tools can route without parsing the value. */
export const HEADERS = {
  eventId: 'ordersync-event-id',
  eventType: 'ordersync-event-type',
  /** Why the message was dead-lettered: one of DLQ_REASONS. */
  dlqReason: 'ordersync-dlq-reason',
  dlqDetail: 'ordersync-dlq-detail',
  dlqTopic: 'ordersync-dlq-source-topic',
  dlqPartition: 'ordersync-dlq-source-partition',
  dlqOffset: 'ordersync-dlq-source-offset',
  /** Set when the value was too large for the DLQ itself: the original size in bytes. */
  dlqTruncatedFrom: 'ordersync-dlq-truncated-from',
} as const;

/** Reasons a Kafka message is refused; `decodeMessage` in contracts/events.ts decides which. */
export const REFUSED_MESSAGE_REASONS = [
  'empty-value',
  'oversized',
  'unparsable-json',
  'schema',
  'missing-key',
  'key-mismatch',
] as const;

/** Every value of the `ordersync-dlq-reason` header, and who writes it. */
export const DLQ_REASONS = {
  /** The order-event handler (src/kafka/order-event-handler.ts): a message failed the contract. */
  refused: REFUSED_MESSAGE_REASONS,
  /** The poll activity's producer: an ERP row too large for its topic even alone. */
  erpRowOversized: 'erp-row-oversized',
  /** The poll activity's producer: an ERP row whose channel has no topic. */
  erpRowUnknownChannel: 'erp-row-unknown-channel',
  /** The order workflow, via its dead-letter activity: events past a blocked order's byte limit. */
  blockedOrderOverflow: 'blocked-order-overflow',
} as const;

export type RefusedMessageReason = (typeof REFUSED_MESSAGE_REASONS)[number];
export type DlqReason =
  RefusedMessageReason | (typeof DLQ_REASONS)[Exclude<keyof typeof DLQ_REASONS, 'refused'>];
