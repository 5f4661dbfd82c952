import { NON_RETRYABLE_ERROR_TYPES } from '../contracts/errors';
import type { ApplyInput, ApplyResult, EventOutcome } from '../contracts/workflow-types';
import { applyFailures, applySeconds, commitToApplySeconds, eventsApplied } from './metrics';
import { retryingOrders } from './retrying-orders';

/** The metric outcome for an apply outcome; `deferred` is not counted, as it is applied later. */
function metricOutcome(o: EventOutcome): 'applied' | 'duplicate' | 'stale' | 'rejected' | null {
  switch (o.outcome) {
    case 'applied':
    case 'rejected':
      return o.outcome;
    case 'skipped':
      // A replay's superseded snapshot is older than one applied with it: stale.
      return o.reason === 'duplicate' ? 'duplicate' : 'stale';
    case 'deferred':
      return null;
  }
}

/**
 * Counts one committed apply. Only a returned result means the transaction
 * committed, and a retry of a committed apply reports its events as
 * duplicates, so each event is counted `applied` exactly once.
 */
export function recordApplyResult(
  input: ApplyInput,
  result: ApplyResult,
  seconds: number,
  now = Date.now(),
): void {
  applySeconds.observe(seconds);
  const byId = new Map(input.events.map((e) => [e.eventId, e]));
  for (const o of result.outcomes) {
    const outcome = metricOutcome(o);
    const event = byId.get(o.eventId);
    if (outcome === null || event === undefined) continue;
    eventsApplied.inc({ type: event.type, outcome });
    if (outcome === 'applied') {
      commitToApplySeconds.observe(Math.max(0, now - Date.parse(event.occurredAt)) / 1000);
    }
  }
}

type ApplyFn = (input: ApplyInput) => Promise<ApplyResult>;

/** Wraps the apply activity so its outcomes, duration and failures are counted. */
export function instrumentApply<T extends { applyOrderEvents: ApplyFn }>(activities: T): T {
  const apply = activities.applyOrderEvents;
  return {
    ...activities,
    async applyOrderEvents(input: ApplyInput): Promise<ApplyResult> {
      const started = performance.now();
      try {
        const result = await apply(input);
        retryingOrders.settled(input.orderId);
        recordApplyResult(input, result, (performance.now() - started) / 1000);
        return result;
      } catch (err) {
        const name = (err as Error | null)?.name ?? '';
        const data = NON_RETRYABLE_ERROR_TYPES.includes(name);
        applyFailures.inc({ kind: data ? 'data' : 'transient' });
        if (data) retryingOrders.settled(input.orderId);
        else retryingOrders.failed(input.orderId, Date.now());
        throw err;
      }
    },
  };
}
