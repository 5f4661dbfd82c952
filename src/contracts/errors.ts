/**
 * Error taxonomy. Anything not listed here is transient and retried forever
 * (MySQL down, deadlock, broker unreachable). The classes below mean the data
 * itself is wrong, so retrying cannot help.
 */

/** Thrown by the apply activity when an event passes the schema but breaks a business rule (e.g. total ≠ Σ lines). */
export class InvalidOrderDataError extends Error {
  override readonly name = 'InvalidOrderDataError';
  constructor(
    message: string,
    readonly eventId: string,
  ) {
    super(message);
  }
}

/** Thrown when an event in an apply batch names another order than the workflow's. */
export class OrderMismatchError extends Error {
  override readonly name = 'OrderMismatchError';
  constructor(
    message: string,
    readonly eventId: string,
  ) {
    super(message);
  }
}

/** Error types the workflows list as non-retryable; the activity retry policy reads this list. */
export const NON_RETRYABLE_ERROR_TYPES = ['InvalidOrderDataError', 'OrderMismatchError'] as const;
