/**
 * Error taxonomy. Anything not listed here is transient and retried forever
 * (MySQL down, deadlock, a duplicate key from a concurrent writer). The classes
 * below mean the data itself is wrong, so retrying cannot help.
 *
 * Bad data reaches the workflow by one route: the apply returns a `rejected`
 * outcome for it (the planner raises `InvalidOrderDataError` and turns it into
 * that outcome). The retry policy still lists every class here as
 * non-retryable, so one that escapes an activity blocks the order instead of
 * retrying forever.
 */

/** Base of the errors retrying cannot fix; its subclasses' names are the non-retryable types. */
export class BadDataError extends Error {
  constructor(
    message: string,
    readonly eventId: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** An event passes the schema but breaks a business rule or reuses another order's id. */
export class InvalidOrderDataError extends BadDataError {}

const NON_RETRYABLE_ERRORS = [InvalidOrderDataError] as const;

/** Error types the workflows list as non-retryable, derived from the classes above. */
export const NON_RETRYABLE_ERROR_TYPES: readonly string[] = NON_RETRYABLE_ERRORS.map((c) => c.name);
