/**
 * An order workflow's queue, without Temporal: the events waiting to be
 * applied, the recent event ids it drops as repeats, and the bytes it holds.
 * Pure and deterministic, so the workflow drives it and unit tests cover it.
 *
 * The queue never holds more than `maxBytes` of events (as JSON), in any state:
 * that keeps the workflow's continue-as-new input and the apply's input under
 * Temporal's 2 MiB payload limit. What does not fit is handed back as overflow;
 * the workflow dead-letters it and blocks the order until it is replayed.
 */
import type { OrderEvent } from '../src/contracts/events';
import type { EventOutcome } from '../src/contracts/workflow-types';
import { eventBytes } from '../src/contracts/workflow-types';

export interface QueueLimits {
  /** Bytes of queued events (as JSON) the queue holds at most. */
  maxBytes: number;
  /** How many recent event ids are remembered for dedupe. */
  seenLimit: number;
}

export interface QueueSnapshot {
  pending: OrderEvent[];
  seen: string[];
}

export interface OfferResult {
  /** Repeats of a queued or recently handled event, dropped. */
  repeats: number;
  /** Events that did not fit; the caller dead-letters them. */
  overflow: OrderEvent[];
}

export class OrderQueue {
  private pending: OrderEvent[];
  private readonly seen: Set<string>;
  private readonly seenOrder: string[];
  private bytes: number;

  constructor(
    private readonly orderId: string,
    private readonly limits: QueueLimits,
    from: QueueSnapshot = { pending: [], seen: [] },
  ) {
    this.pending = [...from.pending];
    this.seenOrder = [...from.seen];
    this.seen = new Set(from.seen);
    this.bytes = this.pending.reduce((n, e) => n + eventBytes(e), 0);
  }

  get length(): number {
    return this.pending.length;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /** Queued events in arrival order. */
  events(): readonly OrderEvent[] {
    return this.pending;
  }

  /**
   * Queues new events. Events of another order are ignored (the consumer
   * guarantees this; never trust it), repeats are dropped, and what would pass
   * the byte limit is returned as overflow.
   */
  offer(events: readonly OrderEvent[]): OfferResult {
    const result: OfferResult = { repeats: 0, overflow: [] };
    for (const e of events) {
      if (e.orderId !== this.orderId) continue;
      if (this.seen.has(e.eventId) || this.pending.some((p) => p.eventId === e.eventId)) {
        result.repeats++;
        continue;
      }
      const size = eventBytes(e);
      if (this.bytes + size > this.limits.maxBytes) {
        result.overflow.push(e);
        continue;
      }
      this.pending.push(e);
      this.bytes += size;
    }
    return result;
  }

  /**
   * The next apply batch: every queued event in ERP version order. Arrival
   * order normally equals it, but a re-delivered or DLQ-replayed event may
   * arrive late; the stable sort puts it in place.
   */
  batch(): OrderEvent[] {
    return [...this.pending].sort((a, b) => a.erpVersion - b.erpVersion);
  }

  /** Removes what an apply handled (applied or skipped) and remembers those ids. */
  settle(outcomes: readonly EventOutcome[]): { applied: number; skipped: number } {
    const counts = { applied: 0, skipped: 0 };
    const handled = new Set<string>();
    for (const o of outcomes) {
      if (o.outcome !== 'applied' && o.outcome !== 'skipped') continue;
      handled.add(o.eventId);
      this.remember(o.eventId);
      counts[o.outcome]++;
    }
    this.pending = this.pending.filter((p) => !handled.has(p.eventId));
    this.recount();
    return counts;
  }

  /**
   * For a replay page: fresh ERP copies replace queued ones (the ERP may have
   * been corrected), and their ids are forgotten so the fresh copies are
   * judged by the ledger in MySQL rather than dropped here.
   */
  takeOver(fresh: readonly OrderEvent[]): void {
    const ids = new Set(fresh.map((e) => e.eventId));
    this.pending = this.pending.filter((p) => !ids.has(p.eventId));
    for (const id of ids) this.seen.delete(id);
    const keep = this.seenOrder.filter((id) => this.seen.has(id));
    this.seenOrder.splice(0, this.seenOrder.length, ...keep);
    this.recount();
  }

  snapshot(): QueueSnapshot {
    return { pending: [...this.pending], seen: [...this.seenOrder] };
  }

  private remember(eventId: string): void {
    if (this.seen.has(eventId)) return;
    this.seen.add(eventId);
    this.seenOrder.push(eventId);
    while (this.seenOrder.length > this.limits.seenLimit) this.seen.delete(this.seenOrder.shift()!);
  }

  private recount(): void {
    this.bytes = this.pending.reduce((n, e) => n + eventBytes(e), 0);
  }
}
