import { InvalidOrderDataError } from '../src/contracts/errors';
import { orderEventSchema } from '../src/contracts/events';
import type { ApplyInput } from '../src/contracts/workflow-types';

/** Issues named for a refused event; the rest are counted. */
const ISSUES_NAMED = 3;

/**
 * Throws InvalidOrderDataError (non-retryable: the order blocks with the
 * reason) for the first event that breaks the Kafka contract. The consumer
 * checks every message already; this catches events signalled by hand (the
 * Temporal UI or CLI), which would otherwise fail the apply with a TypeError,
 * retried forever. The reason names ids, field paths and the schema's
 * messages, never a value.
 */
export function checkContract(input: ApplyInput): void {
  for (const [i, event] of input.events.entries()) {
    const parsed = orderEventSchema.safeParse(event);
    if (parsed.success) continue;
    const issues = parsed.error.issues.map((x) => `${x.path.join('.') || '(event)'}: ${x.message}`);
    const more = issues.length > ISSUES_NAMED ? `; +${issues.length - ISSUES_NAMED} more` : '';
    const id = typeof event.eventId === 'string' ? event.eventId : `#${i + 1}`;
    throw new InvalidOrderDataError(
      `event ${id} breaks the event contract: ${issues.slice(0, ISSUES_NAMED).join('; ')}${more}`,
      id,
    );
  }
}
