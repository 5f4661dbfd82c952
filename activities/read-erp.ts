import type { OrderEvent } from '../src/contracts/events';
import type { ErpSource } from '../src/erp/source';

export function createReadErpActivities({ erp }: { erp: ErpSource }) {
  /** One order's ERP events from a version on, for a replay. Not validated here: the apply step checks business rules. */
  async function readOrderEventsFromErp(input: {
    orderId: string;
    fromVersion: number;
  }): Promise<OrderEvent[]> {
    const events = await erp.fetchOrderEvents(input.orderId, input.fromVersion);
    return events.map(({ seq: _seq, ...e }) => e as OrderEvent);
  }
  return { readOrderEventsFromErp };
}
