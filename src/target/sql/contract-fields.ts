/**
 * The parameter names a mapping may use, derived from the contract's zod
 * schemas (so a field the contract gains is a parameter at once), and the
 * value each name binds for one event.
 *
 * Scopes: every statement sees the event's own fields (`:orderId`, `:eventId`,
 * `:channel`, `:erpVersion`, `:occurredAt`, `:type`). Order statements see
 * the snapshot's fields (`:status`, `:customer.email`, `:attributes.storeCode`)
 * and `:lineCount`; line statements also `:line.*` and `:line.no` (1-based);
 * invoice statements `:invoice.*`. Every writing statement also sees
 * `:insertId`: the auto-increment id the statement just before it (in the same
 * run of the same file) generated, NULL when it generated none.
 */
import type { z } from 'zod';
import { invoiceSchema, orderLineSchema, orderSnapshotSchema } from '../../contracts/events';
import type { OrderEvent } from '../../contracts/events';
import { toSqlDateTime } from '../../db/time';

/** How a field's value is bound: as is, as a DATETIME(3) literal, or as JSON text. */
export type FieldKind = 'value' | 'date' | 'json';

export interface FieldSet {
  /** Known paths and their kinds. */
  fields: Map<string, FieldKind>;
  /** Prefixes under which any key is allowed (records such as `attributes.`). */
  open: Set<string>;
}

interface ZodInternals {
  _zod: {
    def: {
      type: string;
      in?: unknown;
      innerType?: unknown;
      shape?: Record<string, unknown>;
      element?: unknown;
      format?: string;
    };
  };
}

/** The schema under wrappers that do not change a field's shape (optional, pipes, defaults). */
function unwrap(schema: unknown): ZodInternals['_zod']['def'] {
  let def = (schema as ZodInternals)._zod.def;
  for (;;) {
    if (def.type === 'pipe' && def.in) def = (def.in as ZodInternals)._zod.def;
    else if (
      ['optional', 'nullable', 'default', 'readonly', 'catch'].includes(def.type) &&
      def.innerType
    )
      def = (def.innerType as ZodInternals)._zod.def;
    else return def;
  }
}

function walk(schema: unknown, prefix: string, into: FieldSet): void {
  const def = unwrap(schema);
  if (def.type === 'object' && def.shape) {
    if (prefix) into.fields.set(prefix, 'json');
    for (const [key, child] of Object.entries(def.shape))
      walk(child, prefix ? `${prefix}.${key}` : key, into);
    return;
  }
  if (def.type === 'record') {
    into.fields.set(prefix, 'json');
    into.open.add(`${prefix}.`);
    return;
  }
  if (def.type === 'array') {
    into.fields.set(prefix, 'json');
    return;
  }
  into.fields.set(prefix, def.type === 'string' && def.format === 'datetime' ? 'date' : 'value');
}

/** A parent row's generated key, for child rows keyed by it (see sql-target.ts). */
export const INSERT_ID = 'insertId';

const EVENT_FIELDS: Record<string, FieldKind> = {
  eventId: 'value',
  orderId: 'value',
  channel: 'value',
  erpVersion: 'value',
  occurredAt: 'date',
  type: 'value',
};

function fieldSet(parts: Array<[string, z.ZodType | Record<string, FieldKind>]>): FieldSet {
  const set: FieldSet = { fields: new Map(), open: new Set() };
  for (const [prefix, schema] of parts) {
    if ('_zod' in schema) walk(schema, prefix, set);
    else for (const [k, kind] of Object.entries(schema)) set.fields.set(k, kind);
  }
  return set;
}

export const SCOPES = {
  order: () =>
    fieldSet([
      ['', EVENT_FIELDS],
      ['', orderSnapshotSchema],
      ['', { lineCount: 'value', [INSERT_ID]: 'value' }],
    ]),
  line: () =>
    fieldSet([
      ['', EVENT_FIELDS],
      ['', orderSnapshotSchema],
      ['', { lineCount: 'value', 'line.no': 'value', [INSERT_ID]: 'value' }],
      ['line', orderLineSchema],
    ]),
  invoice: () =>
    fieldSet([
      ['', EVENT_FIELDS],
      ['', { [INSERT_ID]: 'value' }],
      ['invoice', invoiceSchema],
    ]),
  key: () => fieldSet([['', { orderId: 'value' }]]),
} as const;
export type Scope = keyof typeof SCOPES;

/** The kind of `name` in `set`, or null when the contract has no such field. */
export function kindOf(set: FieldSet, name: string): FieldKind | null {
  const known = set.fields.get(name);
  if (known) return known;
  for (const prefix of set.open)
    if (name.startsWith(prefix) && name.length > prefix.length) return 'value';
  return null;
}

/** The values one statement run can bind: the event's fields, its data, and the scope's extras. */
export function bag(
  event: OrderEvent,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const { data, ...own } = event;
  return event.type === 'invoice_creation'
    ? { ...own, invoice: data, ...extra }
    : { ...own, ...data, lineCount: (data as { lines: unknown[] }).lines.length, ...extra };
}

function lookup(values: Record<string, unknown>, name: string): unknown {
  // attribute keys may themselves contain dots: try the longest known head first
  let cur: unknown = values;
  const parts = name.split('.');
  for (let i = 0; i < parts.length; i++) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const obj = cur as Record<string, unknown>;
    const whole = parts.slice(i).join('.');
    if (i > 0 && whole in obj && !(parts[i]! in obj)) return obj[whole];
    cur = obj[parts[i]!];
  }
  return cur;
}

/** The value `name` binds: absent → NULL, dates as DATETIME(3), objects as JSON, booleans as 1/0. */
export function bindValue(values: Record<string, unknown>, name: string, kind: FieldKind): unknown {
  const v = lookup(values, name);
  if (v === undefined || v === null) return null;
  if (kind === 'date' && typeof v === 'string') return toSqlDateTime(v);
  if (typeof v === 'object') return JSON.stringify(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}
