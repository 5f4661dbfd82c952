import { Partitioners } from 'kafkajs';
import type { IHeaders, Message } from 'kafkajs';

/**
 * Splitting a send so that no partition's record batch exceeds its topic's
 * `max.message.bytes`. kafkajs puts all of one request's messages for a
 * partition into one record batch, and the broker applies the limit to the
 * whole batch (KIP-98 v2 format), so a page of small rows can still be refused.
 */

/** A record batch's fixed header (61 bytes in the v2 format), rounded up. */
export const BATCH_OVERHEAD_BYTES = 80;

/** Upper bound of one record's size inside a v2 record batch. */
export function recordBytes(message: Pick<Message, 'key' | 'value' | 'headers'>): number {
  // length, attributes, timestamp delta, offset delta, key and value lengths, header count
  let bytes = 5 + 1 + 10 + 5 + 5 + 5 + 5;
  bytes += byteLength(message.key) + byteLength(message.value);
  for (const [k, v] of Object.entries(message.headers ?? {})) {
    bytes += 10 + Buffer.byteLength(k);
    for (const one of Array.isArray(v) ? v : [v]) bytes += byteLength(one);
  }
  return bytes;
}

function byteLength(v: string | Buffer | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'string' ? Buffer.byteLength(v) : v.length;
}

/** Whether a message fits its topic even in a record batch of its own. */
export function fitsAlone(message: Pick<Message, 'key' | 'value' | 'headers'>, limit: number) {
  return BATCH_OVERHEAD_BYTES + recordBytes(message) <= limit;
}

export interface TopicLayout {
  /** The topic's `max.message.bytes`. */
  maxMessageBytes: number;
  partitions: number;
}

export interface PlannedMessage {
  topic: string;
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: IHeaders;
}

/**
 * Splits messages, in their order, into consecutive sends in which each
 * partition's accumulated bytes stay within its topic's limit. Sent one after
 * the other, the sends keep every partition's order. The partition is computed
 * with kafkajs's default (Java-compatible murmur2) partitioner, the one the
 * producer uses; a message that does not fit alone still gets a send of its own.
 */
export function planSends<M extends PlannedMessage>(
  messages: readonly M[],
  layoutOf: (topic: string) => TopicLayout,
): M[][] {
  const partitioner = Partitioners.DefaultPartitioner();
  const metadata = new Map<string, Array<{ partitionId: number; leader: number }>>();
  const partitionOf = (m: M): number => {
    let partitions = metadata.get(m.topic);
    if (!partitions) {
      const n = Math.max(1, layoutOf(m.topic).partitions);
      partitions = Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0 }));
      metadata.set(m.topic, partitions);
    }
    return partitioner({
      topic: m.topic,
      partitionMetadata: partitions as never,
      message: { key: m.key, value: m.value },
    });
  };
  const sends: M[][] = [];
  let current: M[] = [];
  let used = new Map<string, number>();
  // A message without a key goes to a partition chosen round-robin at send
  // time, so its bytes count against every partition of its topic.
  let keyless = new Map<string, number>();
  for (const m of messages) {
    const slot = m.key === null ? undefined : `${m.topic}\u0000${partitionOf(m)}`;
    const size = recordBytes(m);
    const limit = layoutOf(m.topic).maxMessageBytes;
    const fullest =
      slot === undefined
        ? Math.max(
            0,
            ...[...used].filter(([k]) => k.startsWith(`${m.topic}\u0000`)).map(([, v]) => v),
          )
        : (used.get(slot) ?? 0);
    const before = BATCH_OVERHEAD_BYTES + fullest + (keyless.get(m.topic) ?? 0);
    if (current.length > 0 && before + size > limit) {
      sends.push(current);
      current = [];
      used = new Map();
      keyless = new Map();
    }
    current.push(m);
    if (slot === undefined) keyless.set(m.topic, (keyless.get(m.topic) ?? 0) + size);
    else used.set(slot, (used.get(slot) ?? 0) + size);
  }
  if (current.length > 0) sends.push(current);
  return sends;
}
