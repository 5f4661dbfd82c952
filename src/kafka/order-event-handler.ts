import type { Batch, KafkaMessage } from 'kafkajs';
import { faultPoint } from '../chaos-hooks';
import { decodeMessage } from '../contracts/events';
import type { OrderEvent } from '../contracts/events';
import type { RefusedMessageReason } from '../contracts/topics';
import type { BatchContext, BatchHandler } from './batch-transport';
import { BatchAbandonedError } from './group-errors';
import type { DeadLetter, EventProducer } from './producer';

/** Hands one order's events (in offset order) to durable storage; resolves only once they are safe. */
export type OrderEventsHandler = (orderId: string, events: OrderEvent[]) => Promise<void>;

export interface HandlerStats {
  messages: number;
  handedOver: number;
  deadLettered: number;
}

/** Points where a caller (metrics, tests) can observe the handler; none may throw. */
export interface HandlerHooks {
  /** All of one order's events from a batch were handed over. */
  afterDelivery?(orderId: string, events: number, topic: string): void;
  /** A batch's refused messages reached the DLQ. */
  afterDeadLetter?(letters: readonly DeadLetter[]): void;
}

export interface OrderEventHandlerOptions {
  maxMessageBytes: number;
  /** Orders handed over at once, across all partitions of one batch. */
  signalConcurrency: number;
  log?: (msg: string) => void;
  hooks?: HandlerHooks;
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

/** A batch's messages, valid ones grouped by order (in offset order), refused ones as DLQ letters. */
export function sortBatch(
  batch: Pick<Batch, 'topic' | 'partition' | 'messages'>,
  maxMessageBytes: number,
): { byOrder: Map<string, OrderEvent[]>; letters: DeadLetter[] } {
  const byOrder = new Map<string, OrderEvent[]>();
  const letters: DeadLetter[] = [];
  for (const m of batch.messages) {
    const decoded = decodeMessage(m.key, m.value, maxMessageBytes);
    if (decoded.ok) {
      const list = byOrder.get(decoded.event.orderId) ?? [];
      list.push(decoded.event);
      byOrder.set(decoded.event.orderId, list);
    } else {
      letters.push(deadLetter(batch.topic, batch.partition, m, decoded.reason, decoded.detail));
    }
  }
  return { byOrder, letters };
}

function deadLetter(
  topic: string,
  partition: number,
  m: KafkaMessage,
  reason: RefusedMessageReason,
  detail: string,
): DeadLetter {
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
 * The order-event batch handler: decodes and validates every message, copies
 * refused ones to the DLQ, groups the rest by order and hands each order's
 * events to `deliver` in chunks under Temporal's payload limit. Resolves only
 * when every message of the batch is safe, so the transport may commit it.
 */
export function createOrderEventHandler(
  dlq: Pick<EventProducer, 'sendDeadLetters'>,
  deliver: OrderEventsHandler,
  options: OrderEventHandlerOptions,
): { handle: BatchHandler; stats: HandlerStats } {
  const stats: HandlerStats = { messages: 0, handedOver: 0, deadLettered: 0 };
  const log = (msg: string) => options.log?.(msg);

  async function handle(batch: Batch, ctx: BatchContext): Promise<void> {
    const { topic, partition } = batch;
    stats.messages += batch.messages.length;
    const { byOrder, letters } = sortBatch(batch, options.maxMessageBytes);
    for (const l of letters)
      log(`dead-letter ${topic}/${partition}@${l.sourceOffset}: ${l.reason}: ${l.detail}`);

    await ctx.retry(`DLQ ${topic}/${partition}`, () => dlq.sendDeadLetters(letters));
    stats.deadLettered += letters.length;
    if (letters.length > 0) options.hooks?.afterDeadLetter?.(letters);

    await deliverConcurrently([...byOrder], ctx, topic);
  }

  /**
   * Different orders concurrently, one order's events as few hand-overs as the
   * Temporal payload limit allows (2 MB), in offset order.
   */
  async function deliverConcurrently(
    orders: [string, OrderEvent[]][],
    ctx: BatchContext,
    topic: string,
  ) {
    let next = 0;
    // When one lane gives the batch up, the others stop too instead of signalling on.
    let abandoned = false;
    const laneWanted = () => !abandoned;
    const lanes = Array.from(
      { length: Math.min(options.signalConcurrency, orders.length) },
      async () => {
        while (next < orders.length) {
          if (abandoned || ctx.mustRejoin()) throw new BatchAbandonedError('batch given up');
          const [orderId, events] = orders[next++]!;
          try {
            // One lane sends all of an order's chunks, in order.
            for (const chunk of chunkBySize(events, SIGNAL_BYTES)) {
              faultPoint('consumer-before-signal');
              await ctx.retry(`signal ${orderId}`, () => deliver(orderId, chunk), laneWanted);
              faultPoint('consumer-after-signal');
            }
            stats.handedOver += events.length;
            options.hooks?.afterDelivery?.(orderId, events.length, topic);
            await ctx.heartbeat(`signal ${orderId}`);
          } catch (err) {
            abandoned = true;
            throw err;
          }
        }
      },
    );
    await Promise.all(lanes);
  }

  return { handle, stats };
}
