/**
 * The events signal's payload, checked in the signal handler. The consumer
 * validates every message before it signals, but a signal can also come from
 * the Temporal UI or CLI; a payload that is not a list of events would break
 * the workflow's own code (the queue sorts by version, sizes events as JSON)
 * and fail every workflow task, invisibly. Workflow code: pure, deterministic.
 *
 * The full contract (the zod schema in src/contracts/events.ts) is checked at
 * the apply's boundary instead (activities/contract-check.ts): zod cannot run
 * in the worker's shared sandbox, whose preloaded modules are deep-frozen
 * (zod resets `lastIndex` on the schema's RegExps and defines properties on
 * its schemas lazily, and both throw on frozen objects), and loading it per
 * workflow costs about 3 MB per cached workflow. What this check refuses, and
 * what the contract check refuses, both block the order with the reason.
 */
import { EVENT_TYPES, LIMITS } from '../src/contracts/events';
import type { OrderEvent } from '../src/contracts/events';

export interface CheckedSignal {
  /** The events whose shape the workflow can hold and order. */
  events: OrderEvent[];
  /** Why events were refused (ids, field names, never values); null when none was. */
  refused: string | null;
}

const isId = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= LIMITS.idLength;

/** What is wrong with one event's shape, or null. */
function shapeProblem(item: unknown): string | null {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'not an object';
  const e = item as Record<string, unknown>;
  const wrong: string[] = [];
  if (!isId(e.eventId)) wrong.push('eventId');
  if (!isId(e.orderId)) wrong.push('orderId');
  const v = e.erpVersion;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > LIMITS.maxErpVersion)
    wrong.push('erpVersion');
  if (!(EVENT_TYPES as readonly unknown[]).includes(e.type)) wrong.push('type');
  if (typeof e.data !== 'object' || e.data === null || Array.isArray(e.data)) wrong.push('data');
  return wrong.length === 0 ? null : `${wrong.join(', ')} missing or of the wrong type`;
}

function nameOf(item: unknown, index: number): string {
  const id = (item as { eventId?: unknown } | null)?.eventId;
  return isId(id) ? `event ${JSON.stringify(id)}` : `event #${index + 1}`;
}

export function checkSignalEvents(payload: unknown): CheckedSignal {
  if (!Array.isArray(payload)) {
    const kind = payload === null ? 'null' : typeof payload;
    return { events: [], refused: `events signal refused: the payload is ${kind}, not a list` };
  }
  const events: OrderEvent[] = [];
  const reasons: string[] = [];
  payload.forEach((item: unknown, i) => {
    const problem = shapeProblem(item);
    if (problem === null) events.push(item as OrderEvent);
    else reasons.push(`${nameOf(item, i)}: ${problem}`);
  });
  if (reasons.length === 0) return { events, refused: null };
  return {
    events,
    refused: `events signal refused ${reasons.length} of ${payload.length} event(s) that are not order events: ${reasons[0]}`,
  };
}
