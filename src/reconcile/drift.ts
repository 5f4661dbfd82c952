/**
 * Drift kinds and how one order's two sides are classified. Pure.
 */
import { canonicalOrder, orderHash } from './canonical';
import type { CanonicalOrder } from './canonical';
import type { KeptFields, OrderState } from './ports';
import { alignDatePrecision, projectOrder } from './projection';

import { DRIFT_KINDS } from './kinds';
import type { DriftKind } from './kinds';

/** Kinds a replay from the ERP repairs; the others are someone's decision and are only reported. */
export const REPAIRABLE_KINDS: ReadonlySet<DriftKind> = new Set([
  'missing',
  'behind',
  'missing_invoice',
]);

export interface OrderComparison {
  orderId: string;
  /** Empty when the two sides agree. */
  kinds: DriftKind[];
  /** What differs, by field name and invoice id only (never a value: they hold customer data). */
  fields: string[];
  /** Ids of the ERP invoices the target lacks (kind `missing_invoice`). */
  missingInvoices?: string[];
  /** The ERP's highest version at this read (0: not in the ERP), to see the order change before a re-check. */
  erpVersion: number;
  /**
   * The hash of the ERP's canonical form at this read ('' when not in the
   * ERP): an ERP whose versions ordersync numbers (the query source) shows a
   * change before it has a version.
   */
  erpHash: string;
  /** The target's highest version at this read (0: not in the target). */
  targetVersion: number;
  channel: string | null;
}

/** The field-by-field difference of two orders whose hashes differ, as kinds and field names. */
function diff(
  e: CanonicalOrder,
  t: CanonicalOrder,
): { kinds: DriftKind[]; fields: string[]; missingInvoices?: string[] } {
  const kinds = new Set<DriftKind>();
  const fields: string[] = [];
  const missingInvoices: string[] = [];
  if (t.snapshotVersion < e.snapshotVersion) {
    kinds.add('behind');
    fields.push('snapshotVersion');
  } else {
    // Same version (or a target ahead of the ERP, as after an ERP restore): content must match.
    if (t.snapshotVersion !== e.snapshotVersion) fields.push('snapshotVersion');
    if (t.channel !== e.channel) fields.push('channel');
    const names = new Set([...Object.keys(e.fields), ...Object.keys(t.fields)]);
    for (const k of [...names].sort()) if (e.fields[k] !== t.fields[k]) fields.push(k);
    if (fields.length > 0) kinds.add('differs');
  }
  for (const [id, inv] of e.invoices) {
    const other = t.invoices.get(id);
    if (other === undefined) {
      kinds.add('missing_invoice');
      fields.push(`invoice ${id} missing`);
      missingInvoices.push(id);
    } else if (other !== inv) {
      kinds.add('differs');
      fields.push(`invoice ${id}`);
    }
  }
  for (const id of t.invoices.keys()) {
    if (!e.invoices.has(id)) {
      kinds.add('extra_invoice');
      fields.push(`invoice ${id} extra`);
    }
  }
  return {
    kinds: DRIFT_KINDS.filter((k) => kinds.has(k)),
    fields,
    ...(missingInvoices.length > 0 ? { missingInvoices } : {}),
  };
}

/** Both sides as they are compared: reduced to what the target keeps, invoices only where both list them. */
function comparable(
  erp: OrderState,
  target: OrderState,
  kept: KeptFields | null,
): [CanonicalOrder, CanonicalOrder] {
  // Dates first, on what was read: a target column without fractions is cut
  // (or rounded) by its server before the projection cuts both sides down.
  const aligned = alignDatePrecision(erp, target);
  let [e, t] = kept ? [projectOrder(aligned, kept), projectOrder(target, kept)] : [aligned, target];
  if (e.invoicesUnknown || t.invoicesUnknown) {
    e = { ...e, invoices: [] };
    t = { ...t, invoices: [] };
  }
  return [canonicalOrder(e), canonicalOrder(t)];
}

/**
 * Compares one order's ERP state with its target state (either may be
 * absent), on the fields `kept` names when the target keeps only some.
 */
export function compareOrder(
  orderId: string,
  erp: OrderState | undefined,
  target: OrderState | undefined,
  kept: KeptFields | null = null,
): OrderComparison {
  const base = {
    orderId,
    erpVersion: erp?.highestVersion ?? 0,
    erpHash: erp ? orderHash(canonicalOrder(erp)) : '',
    targetVersion: target?.highestVersion ?? 0,
    channel: erp?.channel ?? target?.channel ?? null,
  };
  if (!erp && !target) return { ...base, kinds: [], fields: [] };
  if (!target) return { ...base, kinds: ['missing'], fields: [] };
  if (!erp) return { ...base, kinds: ['orphan'], fields: [] };
  const [e, t] = comparable(erp, target, kept);
  // The hash decides; only a mismatch pays for the field-by-field walk.
  if (orderHash(e) === orderHash(t)) return { ...base, kinds: [], fields: [] };
  return { ...base, ...diff(e, t) };
}

/**
 * A re-check's verdict on a first-pass drift. Every first-pass drift is read
 * again after a delay, because an ERP version newer than the target's may
 * just be in flight through Kafka and the order's workflow, and a target ahead
 * of the ERP read means the ERP changed between the two reads. Confirmed only
 * when it is still drift and the ERP did not change in between (same version, same content). An order that changed while it
 * was compared is not reported; the next run's recent sweep looks at it again.
 */
export function confirmDrift(
  first: OrderComparison,
  again: OrderComparison,
): OrderComparison | null {
  if (again.kinds.length === 0) return null;
  if (again.erpVersion !== first.erpVersion || again.erpHash !== first.erpHash) return null;
  return again;
}

/** Whether a replay may repair the order: every kind it has is one a replay fixes. */
export function repairable(c: OrderComparison): boolean {
  return c.kinds.length > 0 && c.kinds.every((k) => REPAIRABLE_KINDS.has(k));
}
