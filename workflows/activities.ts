/**
 * The order workflow's activities, one named set of options per group: the
 * apply (local, then regular), the ERP read of a replay, and the DLQ write.
 * Each call carries a summary derived from its input, so the UI's timeline
 * names what it did. Workflow code: imports only `@temporalio/workflow`,
 * types and pure modules.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  TemporalFailure,
} from '@temporalio/workflow';
import type { ActivityOptions, LocalActivityOptions, RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_ERROR_TYPES } from '../src/contracts/errors';
import type { ApplyInput } from '../src/contracts/workflow-types';
import { applySummary, deadLetterSummary, erpReadSummary } from './order-details';

/** Transient failures (MySQL or Kafka down, deadlock) retry; bad data does not. */
const TRANSIENT_RETRY: RetryPolicy = {
  initialInterval: '500ms',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
};
/** The regular apply: retries without limit; a retrying activity adds nothing to the history. */
const APPLY_OPTIONS: ActivityOptions = { startToCloseTimeout: '30s', retry: TRANSIENT_RETRY };
/** One page of a replay's ERP read. */
const ERP_READ_OPTIONS: ActivityOptions = { startToCloseTimeout: '60s', retry: TRANSIENT_RETRY };
/** Moving overflow to the DLQ: retried until Kafka takes it. */
const DEAD_LETTER_OPTIONS: ActivityOptions = { startToCloseTimeout: '30s', retry: TRANSIENT_RETRY };
/**
 * The local apply (no activity-task round trip through the server): a bounded
 * number of attempts, then the regular apply takes over.
 */
const localApplyOptions = (attempts: number): LocalActivityOptions => ({
  startToCloseTimeout: '30s',
  retry: { ...TRANSIENT_RETRY, maximumAttempts: attempts },
});

type Act<K extends keyof Activities> = Activities[K];

/** Only a replay passes `supersede`, so the input tells which kind of apply it is. */
const summariseApply = (req: ApplyInput) =>
  applySummary(req.events, { replay: req.supersede !== undefined, supersede: req.supersede });

const remote = proxyActivities<Activities>(APPLY_OPTIONS).applyOrderEvents;
export const applyRemote: Act<'applyOrderEvents'> = (req) =>
  remote.executeWithOptions({ summary: summariseApply(req) }, [req]);

const erpRead = proxyActivities<Activities>(ERP_READ_OPTIONS).readOrderEventsFromErp;
export const readOrderEventsFromErp: Act<'readOrderEventsFromErp'> = (req) =>
  erpRead.executeWithOptions({ summary: erpReadSummary(req.fromVersion) }, [req]);

const deadLetter = proxyActivities<Activities>(DEAD_LETTER_OPTIONS).deadLetterHeldEvents;
export const deadLetterHeldEvents: Act<'deadLetterHeldEvents'> = (req) =>
  deadLetter.executeWithOptions({ summary: deadLetterSummary(req.events.length, req.reason) }, [
    req,
  ]);

/**
 * Whether `err` is an activity that failed for good. A regular activity fails
 * with an `ActivityFailure`; a local activity whose attempts ran out fails with
 * its bare cause (an `ApplicationFailure` or a `TimeoutFailure`).
 */
export const activityFailed = (err: unknown): err is TemporalFailure =>
  err instanceof TemporalFailure;

const causeOf = (err: TemporalFailure): Error | undefined =>
  err instanceof ActivityFailure ? err.cause : err;

export function isBadData(err: TemporalFailure): boolean {
  const cause = causeOf(err);
  return (
    cause instanceof ApplicationFailure &&
    (cause.nonRetryable || NON_RETRYABLE_ERROR_TYPES.includes(cause.type ?? ''))
  );
}

/** Why an activity failed for good, for `lastError`. */
export function failureReason(err: TemporalFailure): string {
  const cause = causeOf(err);
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  const what = err instanceof ActivityFailure ? err.activityType : 'activity';
  return `${what} failed (${cause?.name ?? err.name}): ${cause?.message ?? err.message}`;
}

/** The local apply with at most `attempts` attempts; call it inside the workflow function. */
export const localApply = (attempts: number): Act<'applyOrderEvents'> => {
  const local = proxyLocalActivities<Activities>(localApplyOptions(attempts)).applyOrderEvents;
  return (req) => local.executeWithOptions({ summary: summariseApply(req) }, [req]);
};
