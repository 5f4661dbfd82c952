/**
 * The sweeps: which orders a run compares, read page by page through the two
 * ports and compared by canonical hash. No SQL here; the adapters own it.
 */
import { compareOrder, confirmDrift } from './drift';
import type { OrderComparison } from './drift';
import type { IdScope, ReconcileErpSide, ReconcileTargetSide } from './ports';
import type { FullSweepState, SliceResult } from './sweep-state';

export interface Sides {
  erp: ReconcileErpSide;
  target: ReconcileTargetSide;
}

/** Runs after each page (heartbeats, metrics, pacing); the next page waits for it. */
export type OnPage = (checked: number) => void | Promise<void>;

/** Orders compared per read of each side. */
export const DEFAULT_PAGE_SIZE = 500;

export interface SweepResult {
  /** Orders compared, each once. */
  checked: number;
  /** First-pass drift: to be re-checked before it is reported. */
  drift: OrderComparison[];
}

/**
 * Compares `ids` in pages: the ERP is read first, then the target, so an
 * order applied in between shows the target ahead, which a re-check clears.
 * `onPage` runs after each page (heartbeats, metrics).
 */
export async function compareIds(
  sides: Sides,
  ids: readonly string[],
  pageSize: number,
  onPage: OnPage = () => undefined,
): Promise<SweepResult> {
  const drift: OrderComparison[] = [];
  const kept = ids.length > 0 ? ((await sides.target.keptFields?.()) ?? null) : null;
  for (let i = 0; i < ids.length; i += pageSize) {
    const page = ids.slice(i, i + pageSize);
    const erp = await sides.erp.readOrders(page);
    const target = await sides.target.readOrders(page);
    for (const id of page) {
      const c = compareOrder(id, erp.get(id), target.get(id), kept);
      if (c.kinds.length > 0) drift.push(c);
    }
    await onPage(page.length);
  }
  return { checked: ids.length, drift };
}

/** Every order whose ERP change marker is at or after `since`. */
export async function recentSweep(
  sides: Sides,
  since: Date,
  scope: IdScope,
  pageSize: number,
  onPage?: OnPage,
): Promise<SweepResult & { compared: Set<string> }> {
  const seen = new Set<string>();
  const result = { checked: 0, drift: [] as OrderComparison[], compared: seen };
  let position: string | null = null;
  do {
    const page = await sides.erp.changedSince(since, position, pageSize, scope);
    const fresh = [...new Set(page.ids)].filter((id) => !seen.has(id));
    for (const id of fresh) seen.add(id);
    const r = await compareIds(sides, fresh, pageSize, onPage);
    result.checked += r.checked;
    result.drift.push(...r.drift);
    position = page.next;
  } while (position !== null);
  return result;
}

async function idsAfter(
  list: (after: string | null, limit: number) => Promise<string[]>,
  after: string | null,
  count: number,
  pageSize: number,
): Promise<{ ids: string[]; exhausted: boolean }> {
  const ids: string[] = [];
  let last = after;
  while (ids.length < count) {
    const want = Math.min(pageSize, count - ids.length);
    const page = await list(last, want);
    ids.push(...page);
    if (page.length < want) return { ids, exhausted: true };
    last = page.at(-1)!;
  }
  return { ids, exhausted: false };
}

/**
 * One run's slice of the full sweep: the next `count` ERP orders and the next
 * `count` target orders (whose ids find orphans), compared as one set.
 */
export async function fullSweepSlice(
  sides: Sides,
  state: FullSweepState,
  count: number,
  scope: IdScope,
  pageSize: number,
  onPage?: OnPage,
  /** Orders this run already compared (the recent sweep's): not compared again. */
  skip: ReadonlySet<string> = new Set(),
): Promise<SweepResult & { slice: SliceResult }> {
  const take = (side: Sides['erp'] | Sides['target'], done: boolean, after: string | null) =>
    done
      ? Promise.resolve({ ids: [] as string[], exhausted: true })
      : idsAfter((a, n) => side.orderIdsAfter(a, n, scope), after, count, pageSize);
  const erp = await take(sides.erp, state.erpDone, state.erpAfter);
  const target = await take(sides.target, state.targetDone, state.targetAfter);
  const ids = [...new Set([...erp.ids, ...target.ids])].filter((id) => !skip.has(id));
  const r = await compareIds(sides, ids, pageSize, onPage);
  return {
    ...r,
    slice: {
      erpLast: erp.ids.at(-1) ?? null,
      erpExhausted: erp.exhausted,
      erpChecked: erp.ids.length,
      targetLast: target.ids.at(-1) ?? null,
      targetExhausted: target.exhausted,
    },
  };
}

/** Every order on either side, for a one-off check. */
export async function everyOrderSweep(
  sides: Sides,
  scope: IdScope,
  pageSize: number,
  onPage?: OnPage,
): Promise<SweepResult> {
  const result: SweepResult = { checked: 0, drift: [] };
  let after: { erp: string | null; target: string | null } = { erp: null, target: null };
  let done = { erp: false, target: false };
  // The two sides page in their own order, so an id may come up in two pages.
  const compared = new Set<string>();
  while (!done.erp || !done.target) {
    const e = done.erp ? [] : await sides.erp.orderIdsAfter(after.erp, pageSize, scope);
    const t = done.target ? [] : await sides.target.orderIdsAfter(after.target, pageSize, scope);
    done = { erp: done.erp || e.length < pageSize, target: done.target || t.length < pageSize };
    after = { erp: e.at(-1) ?? after.erp, target: t.at(-1) ?? after.target };
    const ids = [...new Set([...e, ...t])].filter((id) => !compared.has(id));
    for (const id of ids) compared.add(id);
    const r = await compareIds(sides, ids, pageSize, onPage);
    result.checked += r.checked;
    result.drift.push(...r.drift);
  }
  return result;
}

export function dedupe(drift: readonly OrderComparison[]): OrderComparison[] {
  return [...new Map(drift.map((d) => [d.orderId, d])).values()];
}

/** Reads first-pass drift again and keeps what is confirmed (see confirmDrift). */
export async function recheck(
  sides: Sides,
  first: readonly OrderComparison[],
  pageSize: number,
  onPage?: OnPage,
): Promise<{ confirmed: OrderComparison[]; cleared: number }> {
  const unique = dedupe(first);
  const again = await compareIds(
    sides,
    unique.map((d) => d.orderId),
    pageSize,
    onPage,
  );
  const byId = new Map(again.drift.map((d) => [d.orderId, d]));
  const confirmed: OrderComparison[] = [];
  for (const d of unique) {
    const c = byId.get(d.orderId);
    const verdict = c ? confirmDrift(d, c) : null;
    if (verdict) confirmed.push(verdict);
  }
  return { confirmed, cleared: unique.length - confirmed.length };
}
