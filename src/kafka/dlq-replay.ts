import { createHash } from 'node:crypto';
import { CompressionTypes } from 'kafkajs';
import type { IHeaders, Kafka } from 'kafkajs';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { HEADERS } from '../contracts/topics';
import type { Topics } from '../contracts/topics';
import { toSqlDateTime } from '../db/time';
import { dlqHeader, readDlq } from './dlq-reader';
import type { DlqEntry } from './dlq-reader';
import { planSends } from './send-plan';
import type { PlannedMessage } from './send-plan';
import { eventTopics, readTopicLayouts } from './topics';

/** Set on a replayed message: the DLQ letter it came from, as `topic/partition@offset`. */
export const REPLAYED_FROM_HEADER = 'ordersync-replayed-from';

/** Why a letter was not sent back. */
export type ReplaySkip =
  /** This very letter was sent back by an earlier run. */
  | 'already-replayed'
  /** The same message was sent back before and refused again; `again` sends it anyway. */
  | 'refused-again'
  /** Its source is not a channel topic, e.g. `erp.order_events` for `erp-row-*` letters. */
  | 'no-channel-topic'
  /** Its value was cut to fit the DLQ, so it is not the original message. */
  | 'truncated';

export interface ReplayOptions {
  /** Only letters with this reason. */
  reason?: string;
  dryRun?: boolean;
  /** Also send messages that were replayed before and came back (e.g. after the consumer was fixed). */
  again?: boolean;
}

export interface ReplayReport {
  /** Letters that matched the reason filter. */
  matched: number;
  replayed: number;
  skipped: Record<ReplaySkip, number>;
  /** Replayed per target topic. */
  byTopic: Record<string, number>;
}

interface Pending extends PlannedMessage {
  entry: DlqEntry;
  fingerprint: Buffer;
}

/**
 * Sends DLQ letters back to their source topics, where the consumer validates
 * them again. Resumable and idempotent: each letter sent is recorded in
 * `dlq_replays` right after Kafka acknowledged it, so a second run, or one
 * after a crash, skips what was sent (a crash between the two can repeat at
 * most one send, which the apply ledger makes harmless). A message that was
 * replayed, refused again and dead-lettered anew is recognised by its
 * fingerprint and not sent again unless `again` is set, so the DLQ does not
 * grow with every run. Letters with no channel topic are skipped, not fatal.
 */
export async function replayDlq(
  deps: { kafka: Kafka; pool: Pool; topics: Topics },
  opts: ReplayOptions = {},
): Promise<ReplayReport> {
  const { kafka, pool, topics } = deps;
  const report: ReplayReport = {
    matched: 0,
    replayed: 0,
    skipped: { 'already-replayed': 0, 'refused-again': 0, 'no-channel-topic': 0, truncated: 0 },
    byTopic: {},
  };
  const done = await loadReplayed(pool, topics.dlq);
  const channelTopics = new Set(eventTopics(topics));
  const pending: Pending[] = [];
  const fingerprints = new Set<string>();
  for (const entry of await readDlq(kafka, topics.dlq)) {
    const m = entry.message;
    if (opts.reason && dlqHeader(m, HEADERS.dlqReason) !== opts.reason) continue;
    report.matched++;
    const target = dlqHeader(m, HEADERS.dlqTopic);
    const fingerprint = fingerprintOf(target, m.key, m.value);
    const fp = fingerprint.toString('hex');
    let skip: ReplaySkip | undefined;
    if (done.positions.has(`${entry.partition}@${entry.offset}`)) skip = 'already-replayed';
    else if (!channelTopics.has(target)) skip = 'no-channel-topic';
    else if (dlqHeader(m, HEADERS.dlqTruncatedFrom)) skip = 'truncated';
    else if (fingerprints.has(fp) || (!opts.again && done.fingerprints.has(fp)))
      skip = 'refused-again';
    if (skip) {
      report.skipped[skip]++;
      continue;
    }
    fingerprints.add(fp);
    const headers: IHeaders = {
      [REPLAYED_FROM_HEADER]: `${topics.dlq}/${entry.partition}@${entry.offset}`,
    };
    pending.push({ topic: target, key: m.key, value: m.value, headers, entry, fingerprint });
  }
  if (opts.dryRun || pending.length === 0) {
    for (const p of pending) count(report, p.topic);
    return report;
  }

  const admin = kafka.admin();
  await admin.connect();
  const layouts = await readTopicLayouts(admin, [...channelTopics]).finally(() =>
    admin.disconnect(),
  );
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  try {
    // Consecutive sends in DLQ order keep each order's letters in order.
    for (const send of planSends(pending, (t) => layouts.get(t)!)) {
      const byTopic = new Map<string, Pending[]>();
      for (const p of send) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
      await producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, list]) => ({
          topic,
          messages: list.map(({ key, value, headers }) => ({ key, value, headers })),
        })),
      });
      await recordReplayed(pool, topics.dlq, send);
      for (const p of send) count(report, p.topic);
    }
  } finally {
    await producer.disconnect();
  }
  return report;
}

function count(report: ReplayReport, topic: string): void {
  report.replayed++;
  report.byTopic[topic] = (report.byTopic[topic] ?? 0) + 1;
}

/** SHA-256 over topic, key and value, each length-prefixed so no two messages collide by concatenation. */
export function fingerprintOf(topic: string, key: Buffer | null, value: Buffer | null): Buffer {
  const h = createHash('sha256');
  for (const part of [Buffer.from(topic), key, value]) {
    const len = Buffer.alloc(5);
    if (part === null) len.writeUInt8(1, 0);
    else len.writeUInt32BE(part.length, 1);
    h.update(len);
    if (part) h.update(part);
  }
  return h.digest();
}

async function loadReplayed(pool: Pool, dlqTopic: string) {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT dlq_partition, dlq_offset, fingerprint FROM dlq_replays WHERE dlq_topic = ?',
    [dlqTopic],
  );
  return {
    positions: new Set(rows.map((r) => `${Number(r.dlq_partition)}@${String(r.dlq_offset)}`)),
    fingerprints: new Set(rows.map((r) => (r.fingerprint as Buffer).toString('hex'))),
  };
}

async function recordReplayed(pool: Pool, dlqTopic: string, sent: readonly Pending[]) {
  await pool.query(
    `INSERT INTO dlq_replays (dlq_topic, dlq_partition, dlq_offset, fingerprint, target_topic, replayed_at)
     VALUES ? ON DUPLICATE KEY UPDATE replayed_at = replayed_at`,
    [
      sent.map((p) => [
        dlqTopic,
        p.entry.partition,
        p.entry.offset,
        p.fingerprint,
        p.topic,
        toSqlDateTime(new Date().toISOString()),
      ]),
    ],
  );
}
