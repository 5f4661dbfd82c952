/**
 * The events signal's payload, checked against the Kafka contract's schema.
 * The consumer validates every message before it signals, but a signal can
 * also come from the Temporal UI or CLI; a malformed event there would fail
 * the apply with a TypeError, retried forever and invisibly. Workflow code:
 * pure, deterministic.
 */
import { orderEventSchema } from '../src/contracts/events';
import type { OrderEvent } from '../src/contracts/events';

/** Issues named per refused event; the rest are counted. */
const ISSUES_NAMED = 3;
/** A refused event is named by its id only when that is a plausible id. */
const MAX_ID_CHARS = 128;

export interface CheckedSignal {
  /** The events that passed, as the schema parsed them. */
  events: OrderEvent[];
  /** Why events were refused (ids, field paths and schema messages, never values); null when none was. */
  refused: string | null;
}

function nameOf(item: unknown, index: number): string {
  const id = (item as { eventId?: unknown } | null)?.eventId;
  return typeof id === 'string' && id.length <= MAX_ID_CHARS
    ? `event ${JSON.stringify(id)}`
    : `event #${index + 1}`;
}

export function checkSignalEvents(payload: unknown): CheckedSignal {
  if (!Array.isArray(payload)) {
    const kind = payload === null ? 'null' : typeof payload;
    return { events: [], refused: `events signal refused: the payload is ${kind}, not a list` };
  }
  const events: OrderEvent[] = [];
  const reasons: string[] = [];
  payload.forEach((item: unknown, i) => {
    const parsed = orderEventSchema.safeParse(item);
    if (parsed.success) {
      events.push(parsed.data);
      return;
    }
    const issues = parsed.error.issues.map((x) => `${x.path.join('.') || '(event)'}: ${x.message}`);
    const more = issues.length > ISSUES_NAMED ? `; +${issues.length - ISSUES_NAMED} more` : '';
    reasons.push(`${nameOf(item, i)}: ${issues.slice(0, ISSUES_NAMED).join('; ')}${more}`);
  });
  if (reasons.length === 0) return { events, refused: null };
  return {
    events,
    refused: `events signal refused ${reasons.length} of ${payload.length} event(s) that break the contract: ${reasons[0]}`,
  };
}
