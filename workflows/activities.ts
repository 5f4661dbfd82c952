/**
 * The order workflow's activities, one named set of options per group: the
 * apply (local, then regular), the ERP read of a replay, and the DLQ write.
 * Workflow code: imports only `@temporalio/workflow`, types and pure modules.
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

export const { applyOrderEvents: applyRemote } = proxyActivities<Activities>(APPLY_OPTIONS);
export const { readOrderEventsFromErp } = proxyActivities<Activities>(ERP_READ_OPTIONS);
export const { deadLetterHeldEvents } = proxyActivities<Activities>(DEAD_LETTER_OPTIONS);

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
export const localApply = (attempts: number) =>
  proxyLocalActivities<Activities>(localApplyOptions(attempts)).applyOrderEvents;
