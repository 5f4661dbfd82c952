/**
 * What the Temporal UI shows of one reconcile run: its static summary and the
 * run's current details, counts by kind and the first orders of each. Pure;
 * order ids and counts only, no customer data.
 */
import { DRIFT_KINDS } from '../src/reconcile/kinds';
import type { DriftSummary } from '../src/reconcile/kinds';

export const RECONCILE_SUMMARY = 'reconcile target ↔ ERP';

export const RECONCILE_STARTED_DETAILS =
  '- **Comparing:** the recent sweep and a slice of the full sweep';

export function recheckingDetails(checked: number, suspects: number, delayMs: number): string {
  return [
    `- **Checked:** ${checked} orders`,
    `- **Re-checking:** ${suspects} possible drift(s) in ${Math.round(delayMs / 1000)} s (in-flight orders clear)`,
  ].join('\n');
}

export interface RunFigures {
  checked: number;
  cleared: number;
  overflow: number;
  repaired: number | null;
  /** Repairable orders not replayed this run (replayed recently, or too often). */
  heldBack?: number;
  /** Where the full sweep stands: orders this cycle, and complete cycles. */
  cycleSeen: number;
  cycles: number;
}

export function reconcileDetails(s: DriftSummary, f: RunFigures): string {
  const rows = DRIFT_KINDS.filter((k) => s.counts[k] > 0).map(
    (k) => `- **${k}:** ${s.counts[k]} (${s.first[k].map((id) => `\`${id}\``).join(', ')})`,
  );
  return [
    `- **Checked:** ${f.checked} orders; **drifted:** ${s.drifted}`,
    ...rows,
    ...(f.cleared > 0 ? [`- **Cleared on re-check:** ${f.cleared} (in flight or changing)`] : []),
    ...(f.overflow > 0 ? [`- **Not yet re-checked:** ${f.overflow} (too many for one run)`] : []),
    ...(f.repaired !== null ? [`- **Replayed:** ${f.repaired}`] : []),
    ...(f.heldBack
      ? [`- **Not replayed again yet:** ${f.heldBack} (replayed before, still drifted)`]
      : []),
    `- **Full sweep:** ${f.cycleSeen} orders into this cycle, ${f.cycles} cycle(s) complete`,
  ].join('\n');
}
