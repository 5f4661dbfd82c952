/**
 * The Kafka message contract. Pure: imported by the consumer, the producer, the
 * workflows and the tests alike. Producers outside ordersync may write to the
 * topics too, so everything here is validated, nothing assumed.
 */
import { z } from 'zod';
import { fitsExponent, minorUnitExponent, normalizeAmount, toMinorUnits } from './currency';
import type { RefusedMessageReason, Topics } from './topics';

export const CHANNELS = ['online', 'store', 'international'] as const;
export type Channel = (typeof CHANNELS)[number];

export const EVENT_TYPES = ['order_creation', 'order_updation', 'invoice_creation'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Upper bounds that keep one order's state small enough for a workflow history and a MySQL row. */
export const LIMITS = {
  idLength: 128,
  emailLength: 254,
  textLength: 512,
  lines: 500,
  /** Quantities are below this (exclusive). */
  maxQty: 1e9,
  maxAmount: 1e12,
  lineNameLength: 255,
  phoneLength: 32,
  erpStatusLength: 64,
  attributes: 64,
  attributesBytes: 8192,
  attributeValueLength: 1024,
  maxErpVersion: 2 ** 31 - 1,
} as const;

/**
 * Ids (order, event, customer, invoice, SKU) are what real ERPs write, e.g.
 * `SO/2025-26/000123` or `#1001`: any 1-128 characters without control
 * characters or surrounding whitespace. They are compared byte for byte
 * everywhere (binary collation in MySQL, Buffer comparison of Kafka keys).
 */
const id = z
  .string()
  .min(1)
  .max(LIMITS.idLength)
  .refine((s) => !/\p{Cc}/u.test(s), 'control characters')
  .refine((s) => s.trim() === s, 'leading or trailing whitespace')
  .refine((s) => s.isWellFormed(), 'lone surrogate');

/**
 * Optional; when present one `@` with something on both sides, at most 254
 * characters, stored exactly as written (`a&b@example.com`, `user@bücher.de`).
 */
const email = z
  .string()
  .max(LIMITS.emailLength)
  .refine((s) => /^[^@]+@[^@]+$/.test(s), 'one @ with a non-empty local part and domain')
  .refine((s) => !/[\p{Cc}\s]/u.test(s), 'whitespace or control characters')
  .refine((s) => s.isWellFormed(), 'lone surrogate');

// No C0 control characters other than tab, newline and carriage return, and no
// lone UTF-16 surrogates (MySQL's utf8mb4 cannot store them); other unicode is fine.
const text = z
  .string()
  .max(LIMITS.textLength)
  // eslint-disable-next-line no-control-regex
  .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'control characters')
  .refine((s) => s.isWellFormed(), 'lone surrogate');

/** Text that must say something: not empty and not only whitespace. */
const requiredText = text.refine((s) => s.trim().length > 0, 'must not be blank');

/**
 * Money travels as a decimal string ("12.50") or a JSON number, below 10^12,
 * with at most as many decimals as its currency has minor digits (ISO 4217: 0
 * for JPY, 3 for KWD, 2 for most; see currency.ts). Two decimals stay valid
 * for every currency as long as those past the exponent are zeros ("1500.00"
 * yen), so every version-1 amount is still accepted. A number is judged by its
 * shortest decimal form (what `String(n)` prints, which is how the JSON text
 * wrote it), never by float arithmetic, so 10000000000.03 passes exactly as
 * "10000000000.03" does. Anything else (hex, exponents, a fifth decimal) is
 * refused rather than rounded. The field schemas check the form; the order and
 * invoice schemas check the decimals against the currency and then write each
 * amount at the currency's exponent ("12.5" INR → "12.50", "1500.00" JPY → "1500").
 */
const DECIMAL = /^\d{1,12}(?:\.\d{1,4})?$/;
const SIGNED_DECIMAL = /^-?\d{1,12}(?:\.\d{1,4})?$/;
const AMOUNT_FORM = 'a decimal below 10^12 with at most 4 places';
const amount = z
  .union([
    z.string().regex(DECIMAL, AMOUNT_FORM),
    z
      .number()
      .finite()
      .min(0)
      .refine((n) => DECIMAL.test(String(n)), AMOUNT_FORM),
  ])
  .transform((v) => String(v));

/** An amount that may be negative (the rounding adjustment). */
const signedAmount = z
  .union([
    z.string().regex(SIGNED_DECIMAL, AMOUNT_FORM),
    z
      .number()
      .finite()
      .refine((n) => SIGNED_DECIMAL.test(String(n)), AMOUNT_FORM),
  ])
  .transform((v) => String(v));

const currency = z.string().regex(/^[A-Z]{3}$/, 'ISO-4217 code');

// Years 1000-9999 only: DATETIME cannot store others, and a far-future date is bad data.
const isoDate = z.iso.datetime({ offset: true }).refine((v) => {
  const year = new Date(v).getUTCFullYear();
  return year >= 1000 && year <= 9999;
}, 'year must be between 1000 and 9999');

/**
 * A quantity is a JSON number (never a string): positive, below 10^9, at most
 * three decimals (2.375 g of gold), judged by its shortest decimal form.
 */
const QTY = /^\d{1,9}(?:\.\d{1,3})?$/;
const qty = z
  .number()
  .finite()
  .positive()
  .lt(LIMITS.maxQty)
  .refine((n) => QTY.test(String(n)), 'at most 3 decimals');

export const orderLineSchema = z.strictObject({
  sku: id,
  qty,
  unitPrice: amount,
  name: text.pipe(z.string().max(LIMITS.lineNameLength)).optional(),
  /** For the whole line, not per unit. */
  discount: amount.optional(),
  tax: amount.optional(),
});

export const addressSchema = z.strictObject({
  line1: requiredText,
  line2: text.optional(),
  city: requiredText,
  postalCode: text.pipe(z.string().max(32)),
  country: z.string().regex(/^[A-Z]{2}$/, 'ISO-3166 alpha-2'),
});

export const customerSchema = z.strictObject({
  id,
  name: requiredText,
  email: email.optional(),
  phone: requiredText.pipe(z.string().max(LIMITS.phoneLength)).optional(),
});

export const ORDER_STATUSES = [
  'pending',
  'confirmed',
  'packed',
  'shipped',
  'delivered',
  'cancelled',
  'on_hold',
  'partially_shipped',
  'completed',
  'returned',
  'closed',
] as const;

/**
 * ERP-specific fields (a store code, a salesperson, a making charge): a flat
 * object of scalars, stored as JSON on the order. Keys start with a letter;
 * the size bounds keep one order's row and history entry small.
 */
const ATTRIBUTE_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
export const attributesSchema = z
  .record(
    z.string().regex(ATTRIBUTE_KEY, 'attribute keys match ^[A-Za-z][A-Za-z0-9_.-]{0,63}$'),
    z.union([
      text.pipe(z.string().max(LIMITS.attributeValueLength)),
      z.number().finite(),
      z.boolean(),
      z.null(),
    ]),
  )
  .refine(
    (a) => Object.keys(a).length <= LIMITS.attributes,
    `at most ${LIMITS.attributes} attributes`,
  )
  .refine(
    (a) => Buffer.byteLength(JSON.stringify(a)) <= LIMITS.attributesBytes,
    `at most ${LIMITS.attributesBytes} bytes as JSON`,
  );

export const INVOICE_KINDS = ['invoice', 'credit_note'] as const;

type AmountPath = ReadonlyArray<string | number>;

/** Every amount of an order or invoice, with its path, so one check covers them all. */
function amountsOf(
  d: {
    lines?: ReadonlyArray<{ unitPrice: string; discount?: string; tax?: string }>;
  } & Record<string, unknown>,
  fields: readonly string[],
): Array<[AmountPath, string]> {
  const found: Array<[AmountPath, string]> = [];
  for (const f of fields) {
    const v = d[f];
    if (typeof v === 'string') found.push([[f], v]);
  }
  // A refinement may run on data whose other fields failed: look before reading.
  const lines: unknown = d.lines;
  if (!Array.isArray(lines)) return found;
  lines.forEach((l: unknown, i) => {
    if (typeof l !== 'object' || l === null) return;
    for (const f of ['unitPrice', 'discount', 'tax'] as const) {
      const v = (l as Record<string, unknown>)[f];
      if (typeof v === 'string') found.push([['lines', i, f], v]);
    }
  });
  return found;
}

/** Refuses an amount with more decimals than its currency has (see `fitsExponent`). */
function checkDecimals(fields: readonly string[]) {
  return (
    d: { currency: string; lines?: ReadonlyArray<{ unitPrice: string }> } & Record<string, unknown>,
    ctx: z.RefinementCtx,
  ) => {
    const exponent = minorUnitExponent(d.currency);
    for (const [path, value] of amountsOf(d, fields)) {
      if (!fitsExponent(value, exponent))
        ctx.addIssue({
          code: 'custom',
          path: [...path],
          message: `${d.currency} amounts have at most ${exponent} decimals`,
        });
    }
  };
}

/** The same object with every amount written at the currency's exponent. */
function atExponent<T extends { currency: string; lines?: ReadonlyArray<OrderLineOut> }>(
  d: T,
  fields: readonly string[],
): T {
  const exponent = minorUnitExponent(d.currency);
  const norm = (v: string) => normalizeAmount(v, exponent);
  const out: Record<string, unknown> = { ...d };
  for (const f of fields) {
    const v = out[f];
    if (typeof v === 'string') out[f] = norm(v);
  }
  if (d.lines) {
    out.lines = d.lines.map((l) => {
      const line: OrderLineOut = { ...l, unitPrice: norm(l.unitPrice) };
      if (l.discount !== undefined) line.discount = norm(l.discount);
      if (l.tax !== undefined) line.tax = norm(l.tax);
      return line;
    });
  }
  return out as T;
}

type OrderLineOut = z.output<typeof orderLineSchema>;

const ORDER_AMOUNTS = ['total', 'taxTotal', 'shippingTotal', 'discountTotal', 'roundingAdjustment'];
const INVOICE_AMOUNTS = ['amount', 'tax'];

export const orderSnapshotSchema = z
  .strictObject({
    customer: customerSchema,
    lines: z.array(orderLineSchema).min(1).max(LIMITS.lines),
    currency,
    total: amount,
    status: z.enum(ORDER_STATUSES),
    shippingAddress: addressSchema,
    billingAddress: addressSchema.optional(),
    taxTotal: amount.optional(),
    shippingTotal: amount.optional(),
    discountTotal: amount.optional(),
    /** Signed, and smaller in magnitude than one major unit of the currency. */
    roundingAdjustment: signedAmount.optional(),
    /** The ERP's own status text, stored as written. */
    erpStatus: requiredText.pipe(z.string().max(LIMITS.erpStatusLength)).optional(),
    attributes: attributesSchema.optional(),
  })
  .superRefine(checkDecimals(ORDER_AMOUNTS))
  .superRefine((d, ctx) => {
    const r = d.roundingAdjustment;
    const exponent = minorUnitExponent(d.currency);
    if (typeof r !== 'string' || !fitsExponent(r, exponent)) return;
    const units = toMinorUnits(r, exponent);
    if ((units < 0n ? -units : units) >= 10n ** BigInt(exponent))
      ctx.addIssue({
        code: 'custom',
        path: ['roundingAdjustment'],
        message: `must be smaller in magnitude than one ${d.currency}`,
      });
  })
  .transform((d) => atExponent(d, ORDER_AMOUNTS));

export const invoiceSchema = z
  .strictObject({
    invoiceId: id,
    number: requiredText.pipe(z.string().max(64)),
    amount,
    tax: amount,
    currency,
    issuedAt: isoDate,
    /** Absent means `invoice`. A credit note is its own record with its own id. */
    kind: z.enum(INVOICE_KINDS).optional(),
    /** The invoice a credit note corrects. */
    againstInvoiceId: id.optional(),
    lines: z.array(orderLineSchema).min(1).max(LIMITS.lines).optional(),
  })
  .superRefine(checkDecimals(INVOICE_AMOUNTS))
  .superRefine((d, ctx) => {
    if (d.againstInvoiceId === undefined) return;
    if (d.kind !== 'credit_note')
      ctx.addIssue({
        code: 'custom',
        path: ['againstInvoiceId'],
        message: 'only a credit note names the invoice it corrects',
      });
    else if (d.againstInvoiceId === d.invoiceId)
      ctx.addIssue({
        code: 'custom',
        path: ['againstInvoiceId'],
        message: 'a credit note cannot correct itself',
      });
  })
  .transform((d) => atExponent(d, INVOICE_AMOUNTS));

const base = {
  eventId: id,
  orderId: id,
  channel: z.enum(CHANNELS),
  erpVersion: z.number().int().positive().max(LIMITS.maxErpVersion),
  occurredAt: isoDate,
};

export const orderEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...base, type: z.literal('order_creation'), data: orderSnapshotSchema }),
  z.strictObject({ ...base, type: z.literal('order_updation'), data: orderSnapshotSchema }),
  z.strictObject({ ...base, type: z.literal('invoice_creation'), data: invoiceSchema }),
]);

export type OrderEvent = z.infer<typeof orderEventSchema>;
export type OrderSnapshot = z.infer<typeof orderSnapshotSchema>;
export type Invoice = z.infer<typeof invoiceSchema>;
export type OrderEventInput = z.input<typeof orderEventSchema>;

/** Why a message was refused; becomes the `reason` header of its DLQ copy. */
export type RejectReason = RefusedMessageReason;

// ignoreBOM keeps a byte-order mark in the text, so a BOM-prefixed value is refused
// as unparsable whether it arrives as a Buffer or a string.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type DecodeResult =
  { ok: true; event: OrderEvent } | { ok: false; reason: RejectReason; detail: string };

/**
 * Decodes and validates one Kafka message. `JSON.parse` never assigns through
 * `__proto__`, and the strict schemas reject unknown keys, so prototype
 * pollution keys are refused rather than merged.
 */
export function decodeMessage(
  key: Buffer | string | null | undefined,
  value: Buffer | string | null | undefined,
  maxBytes: number,
): DecodeResult {
  if (value === null || value === undefined || value.length === 0) {
    return { ok: false, reason: 'empty-value', detail: 'message has no value' };
  }
  const size = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  if (size > maxBytes) {
    return { ok: false, reason: 'oversized', detail: `value is ${size} bytes, limit ${maxBytes}` };
  }
  let json: unknown;
  try {
    // Invalid UTF-8 is refused, not silently replaced with U+FFFD.
    const textValue = typeof value === 'string' ? value : UTF8.decode(value);
    json = JSON.parse(textValue);
  } catch (err) {
    // Node quotes part of the input in parse errors; keep only where it failed.
    const at = /position \d+/.exec((err as Error).message)?.[0];
    return {
      ok: false,
      reason: 'unparsable-json',
      detail: at ? `invalid JSON at ${at}` : 'invalid JSON or UTF-8',
    };
  }
  const parsed = orderEventSchema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    return { ok: false, reason: 'schema', detail: detail.slice(0, 500) };
  }
  if (key === null || key === undefined || key.length === 0) {
    return { ok: false, reason: 'missing-key', detail: 'message key must be the orderId' };
  }
  // Byte for byte: a key that is not the UTF-8 encoding of orderId is refused,
  // even one that decodes to the same text with replacement characters.
  const keyBytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (!keyBytes.equals(Buffer.from(parsed.data.orderId, 'utf8'))) {
    const keyText = keyBytes.toString('utf8');
    return {
      ok: false,
      reason: 'key-mismatch',
      detail: `key ${JSON.stringify(keyText.slice(0, 80))} is not orderId ${parsed.data.orderId}`,
    };
  }
  return { ok: true, event: parsed.data };
}

export function topicForChannel(topics: Topics, channel: Channel): string {
  return topics[channel];
}
