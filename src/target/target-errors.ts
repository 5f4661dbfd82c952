/** Thrown at start-up when a target mapping cannot be used: a missing file, an unknown parameter, a missing column. */
export class TargetMappingError extends Error {
  override readonly name = 'TargetMappingError';
  constructor(
    message: string,
    /** The mapping file (or built-in table) at fault. */
    readonly file: string,
  ) {
    super(message);
  }
}

/**
 * Thrown by a write when the target's schema no longer fits the mapping (an
 * unknown table or column, a wrong parameter count). Not the event's fault, so
 * it does not block the order; the apply is retried and /readyz reports it.
 */
export class TargetSchemaError extends Error {
  override readonly name = 'TargetSchemaError';
  constructor(
    message: string,
    readonly file: string,
    readonly code: string,
  ) {
    super(message);
  }
}
