/**
 * An operator's replay of one order: re-read its events from the ERP page by
 * page and apply each page idempotently. Workflow code, driven by the order
 * workflow through the callbacks below; imports only workflow-safe modules.
 */
import type { OrderEvent } from '../src/contracts/events';
import { supersededSnapshots } from '../src/contracts/workflow-types';
import type { ApplyInput, ApplyResult, ReplayRequest } from '../src/contracts/workflow-types';
import { readOrderEventsFromErp } from './activities';
import type { OrderQueue } from './order-queue';

export interface ReplayContext {
  orderId: string;
  /** Bytes of ERP events one read returns at most. */
  pageBytes: number;
  queue: Pick<OrderQueue, 'takeOver'>;
  apply(req: ApplyInput): Promise<ApplyResult>;
  /** Records an apply's result; it may block the order. */
  record(result: ApplyResult): void;
  block(reason: string): void;
  blocked(): boolean;
  /**
   * Set only for runs with `resumableRuns`: where the replay stands (the
   * lowest version not yet applied; a resumed replay re-reads from it), the
   * events of a page the apply deferred (back into the queue), and the check
   * between pages that continues as new when due (it never returns then).
   */
  resumable?: {
    progress(fromVersion: number): void;
    requeue(events: OrderEvent[]): void;
    betweenPages(): Promise<void>;
  };
}

/** Replays the order from `req.fromVersion` (all versions by default); stops early if it blocks. */
export async function replayFromErp(req: ReplayRequest, ctx: ReplayContext): Promise<void> {
  const { orderId } = ctx;
  let fromVersion = req.fromVersion ?? 1;
  // The last event of a page waits for the next page, so a snapshot followed
  // by a snapshot is superseded also across a page boundary.
  let held: OrderEvent[] = [];
  for (;;) {
    const page = await readOrderEventsFromErp({ orderId, fromVersion, maxBytes: ctx.pageBytes });
    if (page.invalid.length > 0) {
      const first = page.invalid[0]!;
      ctx.block(
        `replay found ${page.invalid.length} invalid ERP event(s): ${first.eventId}: ${first.error}`,
      );
      return;
    }
    const events = [...held, ...page.events];
    held = page.nextVersion === null ? [] : events.splice(-1);
    ctx.queue.takeOver([...events, ...held]);
    if (events.length > 0) {
      const supersede = supersededSnapshots([...events, ...held]);
      const result = await ctx.apply({ orderId, events, supersede });
      ctx.record(result);
      const deferred = new Set(
        result.outcomes.filter((o) => o.outcome === 'deferred').map((o) => o.eventId),
      );
      if (deferred.size > 0) ctx.resumable?.requeue(events.filter((e) => deferred.has(e.eventId)));
      if (ctx.blocked()) return;
    }
    if (page.nextVersion === null) return;
    fromVersion = page.nextVersion;
    if (ctx.resumable) {
      // The held event was taken from the queue but not applied: a resumed replay reads it again.
      ctx.resumable.progress(held[0]?.erpVersion ?? fromVersion);
      await ctx.resumable.betweenPages();
    }
  }
}
