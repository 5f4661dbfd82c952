import { orderEventSchema } from '../src/contracts/events';
import type { OrderEvent } from '../src/contracts/events';
import type { ErpSource } from '../src/erp/source';

export interface ErpReadResult {
  events: OrderEvent[];
  /** Change-log rows that fail the message contract; the workflow blocks on them. */
  invalid: Array<{ eventId: string; error: string }>;
}

export function createReadErpActivities({ erp }: { erp: ErpSource }) {
  /**
   * One order's ERP events from a version on, for a replay, held to the same
   * contract as a Kafka message: a replay must not write what the consumer would refuse.
   */
  async function readOrderEventsFromErp(input: {
    orderId: string;
    fromVersion: number;
  }): Promise<ErpReadResult> {
    const rows = await erp.fetchOrderEvents(input.orderId, input.fromVersion);
    const result: ErpReadResult = { events: [], invalid: [] };
    for (const { seq: _seq, ...row } of rows) {
      const parsed = orderEventSchema.safeParse(row);
      if (parsed.success) result.events.push(parsed.data);
      else {
        const why = parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ');
        result.invalid.push({ eventId: String(row.eventId), error: why });
      }
    }
    return result;
  }
  return { readOrderEventsFromErp };
}
