/**
 * Instants as the comparisons read them (the oracle, `target check`,
 * reconciliation): a date text without a zone is UTC, as ordersync writes it,
 * and a column without fractions holds a second its server cut. Pure.
 */

const DATE_TEXT = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** Milliseconds since the epoch of `YYYY-MM-DD[T ]HH:MM:SS[.fff][zone]`, no zone read as UTC; null if it is not one. */
export function utcInstant(text: string): number | null {
  const m = DATE_TEXT.exec(text);
  if (!m) return null;
  return Date.parse(`${m[1]}T${m[2]}${m[3] ?? ''}${m[4] ?? 'Z'}`);
}

/**
 * Whether `wholeMs` is `exactMs` cut to a whole second the way a server cuts
 * a value written to a column without fractions: down (MariaDB) or to the
 * nearest second (MySQL 8.4).
 */
export function isCutToSecond(exactMs: number, wholeMs: number): boolean {
  const s = Math.floor(wholeMs / 1000);
  return s === Math.floor(exactMs / 1000) || s === Math.round(exactMs / 1000);
}
