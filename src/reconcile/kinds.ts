/**
 * Drift kinds and the summary of a reconcile run: pure and free of Node
 * modules, so the reconcile workflow can import them.
 */
export const DRIFT_KINDS = [
  'missing',
  'behind',
  'differs',
  'missing_invoice',
  'extra_invoice',
  'orphan',
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

/** How many orders of each kind a run's report lists by id (the counts are complete). */
export const FIRST_ORDERS_PER_KIND = 10;

/** One drifted order as a run reports it: ids and kinds, no customer data. */
export interface DriftedOrder {
  orderId: string;
  kinds: DriftKind[];
  /** Field names and invoice ids that differ. */
  fields: string[];
  channel: string | null;
}

export interface DriftSummary {
  /** Orders with at least one drift of each kind. */
  counts: Record<DriftKind, number>;
  /** The first orders of each kind, at most FIRST_ORDERS_PER_KIND. */
  first: Record<DriftKind, string[]>;
  /** Orders with any drift. */
  drifted: number;
}

export function summariseDrift(orders: readonly DriftedOrder[]): DriftSummary {
  const counts = Object.fromEntries(DRIFT_KINDS.map((k) => [k, 0])) as Record<DriftKind, number>;
  const first = Object.fromEntries(DRIFT_KINDS.map((k) => [k, [] as string[]])) as Record<
    DriftKind,
    string[]
  >;
  for (const o of orders) {
    for (const k of o.kinds) {
      counts[k]++;
      if (first[k].length < FIRST_ORDERS_PER_KIND) first[k].push(o.orderId);
    }
  }
  return { counts, first, drifted: orders.length };
}

/** The summary as a table, one row per kind, for the CLI. */
export function driftTable(s: DriftSummary, checked: number): string {
  const rows = DRIFT_KINDS.map(
    (k) => `${k.padEnd(16)}${String(s.counts[k]).padStart(8)}  ${s.first[k].join(' ')}`,
  );
  return [
    `${'kind'.padEnd(16)}${'orders'.padStart(8)}  first orders`,
    ...rows,
    `${checked} order(s) checked, ${s.drifted} drifted`,
  ].join('\n');
}
