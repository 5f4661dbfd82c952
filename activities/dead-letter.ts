import type { OrderEvent } from '../src/contracts/events';
import type { EventProducer } from '../src/kafka/producer';

export function createDeadLetterActivities({ producer }: { producer: EventProducer }) {
  /**
   * Moves events a blocked order cannot hold any more to the DLQ, with the
   * reason. Retried until Kafka takes them; a retry after a lost answer may
   * write a letter twice, which a replay's dedupe makes harmless.
   */
  async function deadLetterHeldEvents(input: {
    orderId: string;
    events: OrderEvent[];
    reason: string;
    detail: string;
  }): Promise<number> {
    await producer.deadLetterEvents(input.events, input.reason, input.detail);
    return input.events.length;
  }
  return { deadLetterHeldEvents };
}
