import { orderEventSchema } from '../src/contracts/events';
import type { OrderEvent } from '../src/contracts/events';
import { eventBytes } from '../src/contracts/workflow-types';
import { sendingSql } from '../src/db/mysql-errors';
import type { OrderHistorySource } from '../src/erp/source';

export interface ErpReadInput {
  orderId: string;
  fromVersion: number;
  /** Bytes of events (as JSON) one page returns at most; one event is always returned. */
  maxBytes: number;
}

export interface ErpReadResult {
  events: OrderEvent[];
  /** Change-log rows that fail the message contract; the workflow blocks on them. */
  invalid: Array<{ eventId: string; error: string }>;
  /** Where the next page starts; null when this page reached the end. */
  nextVersion: number | null;
}

/** Rows read per query; the byte budget usually ends a page first. */
export const ERP_PAGE_ROWS = 200;

/**
 * Cuts one page from `events` (in version order): as many as fit in
 * `maxBytes`, at least one. `moreAfter`: the source has rows after `events`.
 * Shared with the workflow tests' fake ERP, so both page the same way.
 */
export function pageOf(
  events: readonly OrderEvent[],
  maxBytes: number,
  moreAfter: boolean,
): { events: OrderEvent[]; nextVersion: number | null } {
  const page: OrderEvent[] = [];
  let bytes = 0;
  for (const e of events) {
    const size = eventBytes(e);
    if (page.length > 0 && bytes + size > maxBytes) break;
    page.push(e);
    bytes += size;
  }
  const more = page.length < events.length || (moreAfter && page.length > 0);
  return { events: page, nextVersion: more ? page.at(-1)!.erpVersion + 1 : null };
}

export function createReadErpActivities({ erp }: { erp: OrderHistorySource }) {
  /**
   * One page of an order's ERP events from a version on, for a replay, held to
   * the same contract as a Kafka message: a replay must not write what the
   * consumer would refuse. Paged so that no result nears Temporal's 2 MiB limit.
   */
  async function readOrderEventsFromErp(input: ErpReadInput): Promise<ErpReadResult> {
    const rows = await sendingSql(() =>
      erp.fetchOrderEvents(input.orderId, input.fromVersion, ERP_PAGE_ROWS),
    );
    const valid: OrderEvent[] = [];
    const invalid: ErpReadResult['invalid'] = [];
    // Only this order's rows, byte for byte, whatever the ERP's collation matched.
    for (const { seq: _seq, ...row } of rows.filter((r) => r.orderId === input.orderId)) {
      const parsed = orderEventSchema.safeParse(row);
      if (parsed.success) {
        const size = eventBytes(parsed.data);
        if (size > input.maxBytes) {
          invalid.push({
            eventId: parsed.data.eventId,
            error: `event is ${size} bytes, more than a replay page holds (${input.maxBytes})`,
          });
        } else valid.push(parsed.data);
      } else {
        const why = parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ');
        invalid.push({ eventId: String(row.eventId), error: why });
      }
    }
    if (invalid.length > 0) return { events: [], invalid, nextVersion: null };
    const page = pageOf(valid, input.maxBytes, rows.length >= ERP_PAGE_ROWS);
    return { events: page.events, invalid: [], nextVersion: page.nextVersion };
  }
  return { readOrderEventsFromErp };
}
