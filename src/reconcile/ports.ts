/**
 * The two sides reconciliation reads, as small ports: an ERP adapter (outbox,
 * query source) and a target adapter (built-in tables, SQL mapping) implement
 * one each and nothing else. Both speak the contract's shape; the core
 * (canonical form, hashing, drift kinds) never sees SQL.
 */

/** One order as one side holds it, in the Kafka contract's shape (not validated: drift is data too). */
export interface OrderState {
  orderId: string;
  channel: string;
  /** The ERP version of the order's snapshot: the ERP's newest snapshot event, the target's applied one. */
  snapshotVersion: number;
  /**
   * The highest ERP version of any event the side holds for the order
   * (invoices included). Used only to see an order change while it is compared.
   */
  highestVersion: number;
  /** The contract's snapshot fields (`customer`, `lines`, `currency`, `total`, `status`, `shippingAddress`, ...). */
  snapshot: Record<string, unknown>;
  /** The contract's invoice fields (`invoiceId`, `number`, `amount`, `tax`, `currency`, `issuedAt`, ...). */
  invoices: Array<Record<string, unknown>>;
  /**
   * The side cannot list the order's invoices (a query-source mapping without
   * `order_invoices.sql`): invoices are then left out of the comparison.
   */
  invoicesUnknown?: boolean;
}

/**
 * The contract paths a target keeps, when it keeps only some: `status`,
 * `customer.email` (order fields), `sku` (line fields), `amount` (invoice
 * fields). Both sides are reduced to them before they are compared, so a
 * field the target never stores is never drift.
 */
export interface KeptFields {
  order: ReadonlySet<string>;
  line: ReadonlySet<string>;
  invoice: ReadonlySet<string>;
  /** Paths (`invoice.issuedAt`) the target keeps to the whole second only. */
  wholeSeconds: ReadonlySet<string>;
}

/** Which orders a sweep looks at: every order, or only ids that start with `idPrefix`. */
export interface IdScope {
  idPrefix?: string;
}

/** A page of order ids and the opaque position to pass back for the next one (null: no more). */
export interface IdPage {
  ids: string[];
  next: string | null;
}

export interface ReconcileErpSide {
  /** The ERP's current state of these orders; an id absent from the map is not in the ERP. */
  readOrders(ids: readonly string[]): Promise<Map<string, OrderState>>;
  /**
   * Ids of orders whose change marker is at or after `since`, newest changes
   * first, one page from `position` (null: the start). May repeat an id across pages.
   */
  changedSince(
    since: Date,
    position: string | null,
    limit: number,
    scope: IdScope,
  ): Promise<IdPage>;
  /** Every order id, one page after `afterId` in the side's own id order. */
  orderIdsAfter(afterId: string | null, limit: number, scope: IdScope): Promise<string[]>;
}

export interface ReconcileTargetSide {
  /** The stored state of these orders; an id absent from the map is not in the target. */
  readOrders(ids: readonly string[]): Promise<Map<string, OrderState>>;
  /** Every stored order id, one page after `afterId` in the side's own id order (finds orphans). */
  orderIdsAfter(afterId: string | null, limit: number, scope: IdScope): Promise<string[]>;
  /** The fields the target keeps; absent or null: every contract field. */
  keptFields?(): Promise<KeptFields | null>;
}
