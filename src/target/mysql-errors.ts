/** MySQL error helpers every target shares: what an error says about the data, without the data. */

/**
 * A MySQL error message with its quoted values cut out: messages such as
 * "Incorrect string value: '…' for column 'customer'" quote the rejected data,
 * and this text becomes the order's block reason, which is logged and shown.
 * The column name (after "for column") is kept; every other literal goes.
 */
export function withoutQuotedValues(message: string): string {
  return message.replace(/(for (?:column|key) )?'(?:[^'\\]|\\.)*'/g, (m, keep?: string) =>
    keep ? m : "'…'",
  );
}

/** The mysql2 error code (`ER_…`) of `err`, if it has one. */
export const mysqlCode = (err: unknown): string | undefined =>
  (err as { code?: unknown } | null)?.code as string | undefined;
