/**
 * Events a blocked, full order could not queue, waiting to be written to the
 * DLQ. Pure and deterministic, so the workflow drives it and unit tests cover it.
 *
 * Bounded: it holds at most `maxBytes` of events (as JSON), so the state that
 * continue-as-new carries stays under Temporal's 2 MiB payload limit however
 * long the DLQ is unavailable. An event that does not fit is not kept; it is
 * counted, with the lowest ERP version among them, so the block reason can say
 * from which version a replay from the ERP must start to bring it back.
 */
import type { OrderEvent } from '../src/contracts/events';
import { eventBytes } from '../src/contracts/workflow-types';

export interface LetterBufferLimits {
  /** Bytes of events the buffer holds at most; 0 or less means no bound (runs of earlier releases). */
  maxBytes: number;
  /** Bytes one DLQ write carries at most (one event bigger than this is written alone). */
  chunkBytes: number;
}

/** What the buffer could not hold: the count and the lowest ERP version among them. */
export interface Unlettered {
  count: number;
  fromVersion: number;
}

export class LetterBuffer {
  private events: OrderEvent[];
  private bytes: number;
  private dropped: Unlettered | null;
  /** Bytes of the chunk being written: still counted against the bound until it is written. */
  private inFlight = 0;

  constructor(
    private readonly limits: LetterBufferLimits,
    carried: { events?: OrderEvent[]; unlettered?: Unlettered | null } = {},
  ) {
    this.events = [...(carried.events ?? [])];
    this.bytes = this.events.reduce((n, e) => n + eventBytes(e), 0);
    this.dropped = carried.unlettered ?? null;
  }

  get length(): number {
    return this.events.length;
  }

  /** Events the buffer could not hold since the run (or its predecessors) began, or null. */
  get unlettered(): Unlettered | null {
    return this.dropped;
  }

  /** Adds events to write; returns how many did not fit (and were only counted). */
  add(events: readonly OrderEvent[]): number {
    let refused = 0;
    for (const e of events) {
      const size = eventBytes(e);
      if (this.limits.maxBytes > 0 && this.bytes + size > this.limits.maxBytes) {
        refused++;
        this.dropped = {
          count: (this.dropped?.count ?? 0) + 1,
          fromVersion: Math.min(this.dropped?.fromVersion ?? e.erpVersion, e.erpVersion),
        };
        continue;
      }
      this.events.push(e);
      this.bytes += size;
    }
    return refused;
  }

  /** A replay from `fromVersion` reads the uncounted events again from the ERP, when it reaches back to them. */
  forgetUnlettered(fromVersion: number): void {
    if (this.dropped !== null && fromVersion <= this.dropped.fromVersion) this.dropped = null;
  }

  /** Puts a chunk that was not written back in front, where it was (its bytes were never released). */
  putBack(chunk: readonly OrderEvent[]): void {
    this.events.unshift(...chunk);
    this.inFlight = 0;
  }

  /**
   * The chunk taken last was written: its bytes leave the bound only now, so
   * what continue-as-new carries (the chunk being written and the rest) never
   * exceeds `maxBytes`.
   */
  written(): void {
    this.bytes -= this.inFlight;
    this.inFlight = 0;
  }

  /** Removes and returns the next chunk: events in order up to `chunkBytes`, at least one. */
  takeChunk(): OrderEvent[] {
    let size = 0;
    let n = 0;
    while (n < this.events.length) {
      const next = eventBytes(this.events[n]!);
      if (n > 0 && size + next > this.limits.chunkBytes) break;
      size += next;
      n++;
    }
    this.inFlight = size;
    return this.events.splice(0, n);
  }

  /** Removes and returns every event, in one piece (how runs of earlier releases wrote them). */
  takeAll(): OrderEvent[] {
    this.bytes = 0;
    return this.events.splice(0);
  }

  /** What is still to be written, in order. */
  snapshot(): OrderEvent[] {
    return [...this.events];
  }
}
