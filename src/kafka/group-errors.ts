/** Thrown inside a batch handler to give the batch up, uncommitted; whoever owns the partition next re-reads it. */
export class BatchAbandonedError extends Error {
  override readonly name = 'BatchAbandonedError';
}

/** Coordinator answers meaning this member must rejoin the group before it may commit. */
const REJOIN_ERRORS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'NOT_COORDINATOR_FOR_GROUP',
  'UNKNOWN_MEMBER_ID',
]);

/**
 * The coordinator's answer inside a kafkajs error when it says this member must
 * rejoin the group; kafkajs wraps some of them (a refused commit) in a
 * non-retriable error whose cause carries the type.
 */
export function rejoinError(err: unknown): Error | undefined {
  for (const e of [err, (err as { cause?: unknown } | null)?.cause]) {
    const type = (e as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && REJOIN_ERRORS.has(type)) return e as Error;
  }
  return undefined;
}

/**
 * The offset to commit once the message at `lastHandled` (and everything before
 * it in its partition) is safe: Kafka stores the next offset to read.
 */
export function commitOffsetAfter(lastHandled: string): string {
  return (BigInt(lastHandled) + 1n).toString();
}
