/**
 * Values that mean the same as an absent optional field: the contract's
 * default (`kind: 'invoice'`) and a zero optional amount, which the total rule
 * counts like an absent one. A target may store either way (a NOT NULL column
 * holds 0 for "none", a kind column holds `invoice`), so the oracle and
 * reconciliation must not call the difference drift. Pure.
 */
import { ZERO_WHEN_ABSENT, isZeroAmount } from './total-rule';

const DEFAULTS: Readonly<Record<string, unknown>> = { kind: 'invoice' };

/** Whether field `key` holding `value` says no more than leaving the field out. */
export function meansAbsent(key: string, value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    DEFAULTS[key] === value ||
    (ZERO_WHEN_ABSENT.has(key) && isZeroAmount(value))
  );
}
