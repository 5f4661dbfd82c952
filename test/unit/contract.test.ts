import { describe, it, expect } from 'vitest';
import { decodeMessage, LIMITS, orderEventSchema } from '../../src/contracts/events';
import type { DecodeResult, OrderEvent, RejectReason } from '../../src/contracts/events';
import { encode, ORDER_ID, validEvent, withPath } from '../support/fixtures';
import type { JsonObject } from '../support/fixtures';

const MAX_BYTES = 256 * 1024;

function decode(
  event: unknown,
  key: Buffer | string | null | undefined = ORDER_ID,
  maxBytes = MAX_BYTES,
): DecodeResult {
  return decodeMessage(key, encode(event), maxBytes);
}

function accepted(event: unknown, key: Buffer | string | null = ORDER_ID): OrderEvent {
  const r = decode(event, key);
  if (!r.ok) throw new Error(`expected acceptance, got ${r.reason}: ${r.detail}`);
  return r.event;
}

function refusal(r: DecodeResult): { reason: RejectReason; detail: string } {
  if (r.ok) throw new Error(`expected refusal, got event ${r.event.eventId}`);
  return { reason: r.reason, detail: r.detail };
}

/** Inserts raw JSON text as the first member of the object at `path` ('' = root). */
function injectRawMember(event: JsonObject, path: string, member: string): string {
  const clone = structuredClone(event);
  const marker = '__INJECT_HERE__';
  if (path === '') {
    return `{${member},${JSON.stringify(clone).slice(1)}`;
  }
  const withMarker = withPath(clone, `${path}.${marker}`, 0);
  return JSON.stringify(withMarker).replace(`"${marker}":0`, member);
}

function lines(n: number): JsonObject[] {
  return Array.from({ length: n }, (_, i) => ({ sku: `SKU-${i}`, qty: 1, unitPrice: '1.00' }));
}

describe('decodeMessage: valid messages', () => {
  it('accepts an order_creation and returns the parsed event', () => {
    const ev = accepted(validEvent());
    expect(ev.type).toBe('order_creation');
    expect(ev.orderId).toBe(ORDER_ID);
    expect(ev.eventId).toBe('EVT-order_creation-0001');
    expect(ev.channel).toBe('online');
    expect(ev.erpVersion).toBe(1);
    expect(ev.occurredAt).toBe('2026-11-01T12:00:00.000Z');
    if (ev.type === 'invoice_creation') throw new Error('wrong payload');
    expect(ev.data.customer).toEqual({
      id: 'CUST-42',
      name: 'Asha Rao',
      email: 'asha.rao@example.com',
    });
    expect(ev.data.lines).toHaveLength(2);
    expect(ev.data.status).toBe('confirmed');
    expect(ev.data.shippingAddress.country).toBe('IN');
  });

  it('accepts an order_updation with string key and string value', () => {
    const raw = validEvent({ type: 'order_updation', erpVersion: 7, channel: 'store' });
    const r = decodeMessage(ORDER_ID, JSON.stringify(raw), MAX_BYTES);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event.type).toBe('order_updation');
    expect(r.event.erpVersion).toBe(7);
    expect(r.event.channel).toBe('store');
  });

  it('accepts an invoice_creation and normalises its amounts', () => {
    const raw = withPath(
      withPath(
        validEvent({ type: 'invoice_creation', channel: 'international' }),
        'data.amount',
        598,
      ),
      'data.tax',
      91.2,
    );
    const ev = accepted(raw);
    expect(ev.type).toBe('invoice_creation');
    if (ev.type !== 'invoice_creation') return;
    expect(ev.data).toEqual({
      invoiceId: 'INV-2026-000123',
      number: 'ON/2026/000123',
      amount: '598.00',
      tax: '91.20',
      currency: 'INR',
      issuedAt: '2026-11-02T09:30:00.000Z',
    });
  });

  it('accepts every channel', () => {
    for (const channel of ['online', 'store', 'international']) {
      expect(accepted(validEvent({ channel })).channel).toBe(channel);
    }
  });

  it('accepts a Buffer key equal to the orderId', () => {
    expect(accepted(validEvent(), Buffer.from(ORDER_ID)).orderId).toBe(ORDER_ID);
  });

  it('accepts optional line2 missing, timestamps with offsets, tab and CRLF in text', () => {
    let raw = withPath(validEvent(), 'data.shippingAddress.line2', undefined);
    raw = withPath(raw, 'occurredAt', '2026-11-01T17:30:00+05:30');
    raw = withPath(raw, 'data.shippingAddress.line1', '12 MG Road\r\nNear\tMetro');
    raw = withPath(raw, 'data.customer.name', 'Zoë Ødegård 山田');
    const ev = accepted(raw);
    if (ev.type === 'invoice_creation') throw new Error('wrong payload');
    expect(ev.data.shippingAddress.line2).toBeUndefined();
    expect(ev.occurredAt).toBe('2026-11-01T17:30:00+05:30');
    expect(ev.data.shippingAddress.line1).toBe('12 MG Road\r\nNear\tMetro');
    expect(ev.data.customer.name).toBe('Zoë Ødegård 山田');
  });

  it('accepts the boundary values: max erpVersion, 500 lines, max-length id', () => {
    expect(accepted(validEvent({ erpVersion: LIMITS.maxErpVersion })).erpVersion).toBe(2 ** 31 - 1);
    const ev = accepted(withPath(validEvent(), 'data.lines', lines(LIMITS.lines)));
    expect(ev.type !== 'invoice_creation' && ev.data.lines.length).toBe(500);
    const longId = 'E'.repeat(LIMITS.idLength);
    expect(accepted(validEvent({ eventId: longId })).eventId).toBe(longId);
  });

  it('accepts a value of exactly maxBytes', () => {
    const value = encode(validEvent());
    const r = decodeMessage(ORDER_ID, value, value.length);
    expect(r.ok).toBe(true);
  });
});

describe('amount normalisation', () => {
  it.each<[unknown, string]>([
    [0, '0.00'],
    [10, '10.00'],
    [99.9, '99.90'],
    [10000000000.03, '10000000000.03'],
    [999999999999.99, '999999999999.99'],
    ['5.5', '5.50'],
    ['249.50', '249.50'],
    ['1234', '1234.00'],
    ['0', '0.00'],
  ])('%j becomes %s', (input, expected) => {
    const raw = withPath(
      withPath(validEvent(), 'data.total', input),
      'data.lines.0.unitPrice',
      input,
    );
    const ev = accepted(raw);
    if (ev.type === 'invoice_creation') throw new Error('wrong payload');
    expect(ev.data.total).toBe(expected);
    expect(ev.data.lines[0]!.unitPrice).toBe(expected);
  });

  it('normalises every amount of a snapshot to a 2-decimal string', () => {
    const ev = accepted(validEvent());
    if (ev.type === 'invoice_creation') throw new Error('wrong payload');
    const amounts = [ev.data.total, ...ev.data.lines.map((l) => l.unitPrice)];
    expect(amounts).toEqual(['598.00', '249.50', '99.00']);
    for (const a of amounts) expect(a).toMatch(/^\d+\.\d{2}$/);
  });

  it('keeps a unit price of up to 4 decimals in any currency, trailing zeros dropped', () => {
    for (const [currency, price, total, written] of [
      ['EUR', '1.7890', '1.79', '1.789'],
      ['JPY', '0.5000', '1', '0.5'],
    ] as const) {
      const raw = withPath(
        withPath(
          withPath(withPath(validEvent(), 'data.currency', currency), 'data.lines', [
            { sku: 'FUEL', qty: 1, unitPrice: price },
          ]),
          'data.total',
          total,
        ),
        'data.shippingAddress.country',
        'DE',
      );
      const ev = accepted(raw);
      if (ev.type === 'invoice_creation') throw new Error('wrong payload');
      expect(ev.data.lines[0]!.unitPrice).toBe(written);
    }
  });

  it('orderEventSchema.parse yields the same normalised output', () => {
    const parsed = orderEventSchema.parse(validEvent({ type: 'invoice_creation' }));
    expect(parsed.type === 'invoice_creation' && [parsed.data.amount, parsed.data.tax]).toEqual([
      '598.00',
      '91.22',
    ]);
  });
});

describe('decodeMessage: empty and oversized values', () => {
  it.each<[string, Buffer | string | null | undefined]>([
    ['null', null],
    ['undefined', undefined],
    ['empty string', ''],
    ['empty buffer', Buffer.alloc(0)],
  ])('refuses a %s value as empty-value', (_label, value) => {
    expect(refusal(decodeMessage(ORDER_ID, value, MAX_BYTES)).reason).toBe('empty-value');
  });

  it('refuses a value one byte over the limit as oversized', () => {
    const value = encode(validEvent());
    const r = refusal(decodeMessage(ORDER_ID, value, value.length - 1));
    expect(r.reason).toBe('oversized');
    expect(r.detail).toContain(String(value.length));
  });

  it('measures string values in UTF-8 bytes, not characters', () => {
    const raw = withPath(validEvent(), 'data.customer.name', 'é'.repeat(200));
    const text = JSON.stringify(raw);
    const bytes = Buffer.byteLength(text);
    expect(bytes).toBeGreaterThan(text.length);
    expect(refusal(decodeMessage(ORDER_ID, text, text.length)).reason).toBe('oversized');
    expect(decodeMessage(ORDER_ID, text, bytes).ok).toBe(true);
  });

  it('checks the size before parsing, so a huge garbage value is oversized', () => {
    const junk = Buffer.alloc(MAX_BYTES + 1, 0x7b); // '{{{{...'
    expect(refusal(decodeMessage(ORDER_ID, junk, MAX_BYTES)).reason).toBe('oversized');
  });

  it('refuses a well-formed but oversized event', () => {
    const raw = withPath(validEvent(), 'data.lines', lines(LIMITS.lines));
    expect(refusal(decode(raw, ORDER_ID, 1024)).reason).toBe('oversized');
  });
});

describe('decodeMessage: unparsable JSON', () => {
  it.each([
    ['truncated', JSON.stringify(validEvent()).slice(0, -5)],
    ['plain text', 'order ORD-1 created'],
    ['whitespace', '   '],
    ['trailing comma', '{"eventId":"E1",}'],
    ['single quotes', "{'eventId':'E1'}"],
    ['NaN literal', '{"erpVersion":NaN}'],
  ])('refuses %s as unparsable-json', (_label, text) => {
    const r = refusal(decodeMessage(ORDER_ID, Buffer.from(text), MAX_BYTES));
    expect(r.reason).toBe('unparsable-json');
    expect(r.detail.length).toBeGreaterThan(0);
    expect(r.detail.length).toBeLessThanOrEqual(200);
  });

  it.each([
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"ORD-1"'],
    ['a number', '42'],
    ['an empty object', '{}'],
  ])('refuses valid JSON that is %s as schema', (_label, text) => {
    expect(refusal(decodeMessage(ORDER_ID, text, MAX_BYTES)).reason).toBe('schema');
  });
});

describe('decodeMessage: key', () => {
  it.each<[string, Buffer | string | null | undefined]>([
    ['null', null],
    ['undefined', undefined],
    ['empty string', ''],
    ['empty buffer', Buffer.alloc(0)],
  ])('refuses a %s key as missing-key', (_label, key) => {
    const r = refusal(decodeMessage(key, encode(validEvent()), MAX_BYTES));
    expect(r.reason).toBe('missing-key');
  });

  it.each([
    ['another order', 'ORD-2026-000999'],
    ['different case', ORDER_ID.toLowerCase()],
    ['surrounding whitespace', ` ${ORDER_ID} `],
    ['a prefix', ORDER_ID.slice(0, -1)],
  ])('refuses a key that is %s as key-mismatch', (_label, key) => {
    const r = refusal(decode(validEvent(), key));
    expect(r.reason).toBe('key-mismatch');
    expect(r.detail).toContain(ORDER_ID);
  });

  it('refuses a mismatching Buffer key', () => {
    expect(refusal(decode(validEvent(), Buffer.from('ORD-OTHER'))).reason).toBe('key-mismatch');
  });

  it('validates the value before the key', () => {
    expect(refusal(decode({ nonsense: true }, null)).reason).toBe('schema');
  });
});

describe('decodeMessage: schema refusals', () => {
  function expectSchema(raw: unknown, pathInDetail?: string): void {
    const r = refusal(decode(raw));
    expect(r.reason).toBe('schema');
    expect(r.detail.length).toBeLessThanOrEqual(500);
    if (pathInDetail !== undefined) expect(r.detail).toContain(pathInDetail);
  }

  describe('missing fields', () => {
    it.each(['eventId', 'orderId', 'channel', 'type', 'erpVersion', 'occurredAt', 'data'])(
      'refuses an event without %s',
      (field) => {
        expectSchema(withPath(validEvent(), field, undefined));
      },
    );

    it.each([
      'data.customer',
      'data.customer.name',
      'data.lines',
      'data.lines.0.sku',
      'data.lines.0.qty',
      'data.lines.0.unitPrice',
      'data.currency',
      'data.total',
      'data.status',
      'data.shippingAddress',
      'data.shippingAddress.line1',
      'data.shippingAddress.city',
      'data.shippingAddress.postalCode',
      'data.shippingAddress.country',
    ])('refuses a snapshot without %s', (path) => {
      expectSchema(withPath(validEvent(), path, undefined), path);
    });

    it.each([
      'data.invoiceId',
      'data.number',
      'data.amount',
      'data.tax',
      'data.currency',
      'data.issuedAt',
    ])('refuses an invoice without %s', (path) => {
      expectSchema(withPath(validEvent({ type: 'invoice_creation' }), path, undefined), path);
    });
  });

  describe('wrongly typed fields', () => {
    it.each<[string, unknown]>([
      ['eventId', 123],
      ['eventId', ''],
      ['eventId', ' leading-space'],
      ['eventId', 'trailing-space '],
      ['eventId', 'tab\tinside'],
      ['eventId', 'C1\u0085control'],
      ['eventId', 'lone\ud800surrogate'],
      ['eventId', 'E'.repeat(LIMITS.idLength + 1)],
      ['orderId', 42],
      ['channel', null],
      ['type', 5],
      ['erpVersion', '3'],
      ['erpVersion', null],
      ['occurredAt', 1762000000000],
      ['data', []],
      ['data', 'snapshot'],
      ['data', null],
      ['data.lines', { 0: { sku: 'SKU-1', qty: 1, unitPrice: '1.00' } }],
      ['data.lines.0.qty', '2'],
      ['data.lines.0.qty', 0],
      ['data.lines.0.qty', -1],
      ['data.lines.0.qty', 1.2345],
      ['data.lines.0.qty', LIMITS.maxQty + 1],
      ['data.lines.0.sku', ''],
      ['data.currency', 'inr'],
      ['data.currency', 'RUPEE'],
      ['data.status', 'lost'],
      ['data.customer.email', 'not-an-email'],
      ['data.customer.email', 'a@b@example.com'],
      ['data.customer.email', '@example.com'],
      ['data.customer.email', 'asha@'],
      ['data.customer.email', 'asha rao@example.com'],
      ['data.customer.email', `${'a'.repeat(243)}@example.com`],
      ['data.customer.name', ''],
      ['data.customer.name', 'x'.repeat(LIMITS.textLength + 1)],
      ['data.customer.id', ' CUST-42'],
      ['data.shippingAddress.country', 'IND'],
      ['data.shippingAddress.country', 'in'],
      ['data.shippingAddress.city', ''],
      ['data.shippingAddress.postalCode', '1'.repeat(33)],
    ])('refuses %s = %j', (path, value) => {
      expectSchema(withPath(validEvent(), path, value), path);
    });

    it('refuses an orderId that is not a valid id even when the key matches it', () => {
      const r = refusal(decode(validEvent({ orderId: 'ORD 1 ' }), 'ORD 1 '));
      expect(r.reason).toBe('schema');
      expect(r.detail).toContain('orderId');
    });

    it('refuses an invoice payload on an order event and vice versa', () => {
      expectSchema(
        validEvent({ type: 'order_creation', data: validEvent({ type: 'invoice_creation' }).data }),
      );
      expectSchema(
        validEvent({ type: 'order_updation', data: validEvent({ type: 'invoice_creation' }).data }),
      );
      expectSchema(validEvent({ type: 'invoice_creation', data: validEvent().data }));
    });

    it('refuses invoice fields with the wrong type', () => {
      const inv = validEvent({ type: 'invoice_creation' });
      expectSchema(withPath(inv, 'data.number', ''), 'data.number');
      expectSchema(withPath(inv, 'data.number', 'N'.repeat(65)), 'data.number');
      expectSchema(withPath(inv, 'data.currency', 'usd'), 'data.currency');
      expectSchema(withPath(inv, 'data.invoiceId', 7), 'data.invoiceId');
    });
  });

  describe('unknown type or channel', () => {
    it.each(['order_deletion', 'ORDER_CREATION', 'invoice', ''])('refuses type %j', (type) => {
      expectSchema({ ...validEvent(), type });
    });

    it.each(['wholesale', 'Online', 'ONLINE', '', 'online '])('refuses channel %j', (channel) => {
      expectSchema(validEvent({ channel }), 'channel');
    });
  });

  describe('erpVersion', () => {
    it.each<[string, unknown]>([
      ['zero', 0],
      ['negative', -1],
      ['non-integer', 1.5],
      ['just above int32', 2 ** 31],
      ['huge', 1e100],
      ['beyond safe integers', Number.MAX_SAFE_INTEGER + 2],
    ])('refuses %s', (_label, erpVersion) => {
      expectSchema(validEvent({ erpVersion }), 'erpVersion');
    });
  });

  describe('dates', () => {
    it.each([
      ['impossible day', '2026-02-30T00:00:00Z'],
      ['not a leap year', '2025-02-29T00:00:00Z'],
      ['month 13', '2026-13-01T00:00:00Z'],
      ['hour 24', '2026-11-01T24:00:00Z'],
      ['date only', '2026-11-01'],
      ['no offset', '2026-11-01T12:00:00'],
      ['prose', 'yesterday'],
      ['empty', ''],
      ['RFC 2822', 'Sun, 01 Nov 2026 12:00:00 GMT'],
    ])('refuses occurredAt %s', (_label, occurredAt) => {
      expectSchema(validEvent({ occurredAt }), 'occurredAt');
    });

    it('refuses an invalid invoice issuedAt', () => {
      const inv = validEvent({ type: 'invoice_creation' });
      expectSchema(withPath(inv, 'data.issuedAt', '2026-02-30T09:30:00Z'), 'data.issuedAt');
      expectSchema(withPath(inv, 'data.issuedAt', 'not a date'), 'data.issuedAt');
    });
  });

  describe('amounts', () => {
    const badAmounts: Array<[string, unknown]> = [
      ['negative number', -1],
      ['negative cent', '-0.01'],
      ['non-numeric string', 'abc'],
      ['empty string', ''],
      ['blank string', '   '],
      ['null', null],
      ['boolean', true],
      ['thousands separator', '1,000.00'],
      ['currency symbol', '₹598'],
      ['Infinity string', 'Infinity'],
      ['overflowing string', '1e400'],
      ['above maxAmount', LIMITS.maxAmount * 10],
      ['object', { value: 1 }],
    ];

    it.each(badAmounts)('refuses a total that is a %s', (_label, total) => {
      expectSchema(withPath(validEvent(), 'data.total', total), 'data.total');
    });

    it.each(badAmounts)('refuses a unitPrice that is a %s', (_label, price) => {
      expectSchema(
        withPath(validEvent(), 'data.lines.1.unitPrice', price),
        'data.lines.1.unitPrice',
      );
    });

    it.each(badAmounts)('refuses an invoice amount and tax that are a %s', (_label, value) => {
      const inv = validEvent({ type: 'invoice_creation' });
      expectSchema(withPath(inv, 'data.amount', value), 'data.amount');
      expectSchema(withPath(inv, 'data.tax', value), 'data.tax');
    });
  });

  describe('lines', () => {
    it('refuses an empty lines array', () => {
      expectSchema(withPath(validEvent(), 'data.lines', []), 'data.lines');
    });

    it('refuses 501 lines', () => {
      expectSchema(withPath(validEvent(), 'data.lines', lines(LIMITS.lines + 1)), 'data.lines');
    });
  });

  describe('unknown extra keys', () => {
    it.each<[string, unknown]>([
      ['extra', 'x'],
      ['data.discount', '10.00'],
      ['data.customer.fax', '+91 98450 00000'],
      ['data.lines.0.note', 'gift wrap'],
      ['data.shippingAddress.state', 'KA'],
    ])('refuses unknown key %s', (path, value) => {
      const r = refusal(decode(withPath(validEvent(), path, value)));
      expect(r.reason).toBe('schema');
      expect(r.detail).toContain(path.split('.').pop()!);
    });

    it('refuses an unknown key on an invoice', () => {
      expectSchema(withPath(validEvent({ type: 'invoice_creation' }), 'data.pdfUrl', 'https://x'));
    });
  });

  describe('prototype pollution keys', () => {
    const pollution: Array<[string, string, string]> = [
      ['__proto__ at the root', '', '"__proto__":{"polluted":"yes"}'],
      ['__proto__ in data', 'data', '"__proto__":{"polluted":"yes"}'],
      ['__proto__ in customer', 'data.customer', '"__proto__":{"polluted":"yes"}'],
      ['__proto__ in a line', 'data.lines.0', '"__proto__":{"polluted":"yes"}'],
      ['constructor at the root', '', '"constructor":{"prototype":{"polluted":"yes"}}'],
      ['constructor in data', 'data', '"constructor":{"prototype":{"polluted":"yes"}}'],
      ['prototype in address', 'data.shippingAddress', '"prototype":{"polluted":"yes"}'],
    ];

    it.each(pollution)('refuses %s without polluting Object.prototype', (_label, path, member) => {
      const text = injectRawMember(validEvent(), path, member);
      // Sanity: the injected text really carries the key.
      expect(text).toContain(member);
      const r = refusal(decodeMessage(ORDER_ID, Buffer.from(text), MAX_BYTES));
      expect(r.reason).toBe('schema');
      expect(Object.prototype).not.toHaveProperty('polluted');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
    });

    it('never returns an event whose prototype was replaced', () => {
      const text = injectRawMember(validEvent(), '', '"__proto__":{"isAdmin":true}');
      const r = decodeMessage(ORDER_ID, text, MAX_BYTES);
      expect(r.ok).toBe(false);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });
  });

  describe('control characters', () => {
    it.each<[string, string]>([
      ['NUL', '\u0000'],
      ['BEL', '\u0007'],
      ['backspace', '\b'],
      ['vertical tab', '\u000b'],
      ['form feed', '\f'],
      ['escape', '\u001b[31m'],
      ['DEL', '\u007f'],
    ])('refuses %s in customer name, address and invoice number', (_label, ch) => {
      expectSchema(
        withPath(validEvent(), 'data.customer.name', `Asha${ch}Rao`),
        'data.customer.name',
      );
      expectSchema(
        withPath(validEvent(), 'data.shippingAddress.line1', `12 MG${ch} Road`),
        'data.shippingAddress.line1',
      );
      expectSchema(
        withPath(validEvent(), 'data.shippingAddress.line2', `Flat${ch}4B`),
        'data.shippingAddress.line2',
      );
      expectSchema(
        withPath(validEvent({ type: 'invoice_creation' }), 'data.number', `ON${ch}1`),
        'data.number',
      );
    });

    it('refuses control characters in ids', () => {
      expectSchema(validEvent({ eventId: 'EVT\u00001' }), 'eventId');
      expectSchema(withPath(validEvent(), 'data.lines.0.sku', 'SKU\u001b1'), 'data.lines.0.sku');
    });
  });

  it('keeps the schema detail bounded when everything is wrong', () => {
    const r = refusal(decode({ type: 'order_creation', data: { lines: lines(LIMITS.lines + 1) } }));
    expect(r.reason).toBe('schema');
    expect(r.detail.length).toBeLessThanOrEqual(500);
  });
});

/**
 * Amounts are stored in DECIMAL(14,2) columns (orders.total, invoices.amount,
 * invoices.tax) and are documented as decimals. These tests pin the contract to
 * that: they fail while the schema accepts values MySQL cannot store or that
 * are not decimal numbers.
 */
describe('amount contract vs storage', () => {
  it('refuses amounts that do not fit DECIMAL(14,2) (max 999999999999.99)', () => {
    expect(accepted(withPath(validEvent(), 'data.total', '999999999999.99')).type).toBe(
      'order_creation',
    );
    expect(refusal(decode(withPath(validEvent(), 'data.total', 1e12))).reason).toBe('schema');
  });

  it.each(['0x10', '0b11', '0o17'])('refuses the non-decimal amount string %j', (total) => {
    expect(refusal(decode(withPath(validEvent(), 'data.total', total))).reason).toBe('schema');
  });
});

describe('amounts as JSON numbers are judged by their decimal form', () => {
  it('accepts 10000000000.03 as a number exactly as the string form', () => {
    const ev = accepted(
      withPath(
        withPath(validEvent(), 'data.lines.0.unitPrice', 10000000000.03),
        'data.total',
        10000000000.03,
      ),
    );
    if (ev.type === 'invoice_creation') throw new Error('wrong payload');
    expect(ev.data.total).toBe('10000000000.03');
    expect(ev.data.lines[0]!.unitPrice).toBe('10000000000.03');
  });

  it.each([0.1 + 0.2, 1.005, 1e-7, 12.345])(
    'refuses %j: its decimal form has a third place',
    (n) => {
      expect(refusal(decode(withPath(validEvent(), 'data.total', n))).reason).toBe('schema');
    },
  );
});

describe('ids and e-mails as real ERPs write them', () => {
  it.each([
    'SO/2025-26/000123',
    'INV/24-25/0042',
    '#1001',
    '4500012345',
    'Order 17 (store #4)',
    'ü'.repeat(LIMITS.idLength),
  ])('accepts the order id %j, keyed by its UTF-8 bytes', (orderId) => {
    const ev = validEvent({ orderId });
    const r = decodeMessage(Buffer.from(orderId, 'utf8'), JSON.stringify(ev), MAX_BYTES);
    expect(r).toMatchObject({ ok: true, event: { orderId } });
  });

  it('compares the key byte for byte: a key decoding to the same text with U+FFFD is refused', () => {
    const orderId = 'SO-\ufffd-1';
    const ev = validEvent({ orderId });
    const badKey = Buffer.concat([Buffer.from('SO-'), Buffer.from([0xff]), Buffer.from('-1')]);
    expect(refusal(decodeMessage(badKey, JSON.stringify(ev), MAX_BYTES)).reason).toBe(
      'key-mismatch',
    );
  });

  it.each(['a&b@example.com', "o'brien@example.ie", 'user@bücher.de', 'Asha.Rao+x@Example.COM'])(
    'accepts and keeps the e-mail %j as written',
    (email) => {
      const ev = accepted(withPath(validEvent(), 'data.customer.email', email));
      if (ev.type === 'invoice_creation') throw new Error('wrong payload');
      expect(ev.data.customer.email).toBe(email);
    },
  );

  it('accepts a customer without an e-mail (store sales)', () => {
    const ev = accepted(withPath(validEvent(), 'data.customer.email', undefined));
    if (ev.type === 'invoice_creation') throw new Error('wrong payload');
    expect(ev.data.customer.email).toBeUndefined();
  });
});

describe('byte-level decoding', () => {
  it('refuses a byte-order mark the same way for Buffer and string values', () => {
    const event = validEvent({});
    const json = JSON.stringify(event);
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const asBuffer = decodeMessage(ORDER_ID, Buffer.concat([bom, Buffer.from(json)]), 1 << 20);
    const asString = decodeMessage(ORDER_ID, `\uFEFF${json}`, 1 << 20);
    expect(asBuffer).toMatchObject({ ok: false, reason: 'unparsable-json' });
    expect(asString).toMatchObject({ ok: false, reason: 'unparsable-json' });
  });

  it('refuses invalid UTF-8 rather than replacing it', () => {
    const event = validEvent({});
    const bytes = Buffer.from(JSON.stringify(event).replace('Asha', '\u0000\u0000'));
    const at = bytes.indexOf(0);
    bytes[at] = 0xff;
    bytes[at + 1] = 0xfe;
    expect(decodeMessage(ORDER_ID, bytes, 1 << 20)).toMatchObject({
      ok: false,
      reason: 'unparsable-json',
    });
  });
});

describe('dates MySQL can store', () => {
  it('refuses a timestamp whose UTC year leaves 1000-9999', () => {
    const late = validEvent({ occurredAt: '9999-12-31T23:00:00-05:00' });
    const r = decodeMessage(ORDER_ID, JSON.stringify(late), 1 << 20);
    expect(r).toMatchObject({ ok: false, reason: 'schema' });
    if (!r.ok) expect(r.detail).toMatch(/occurredAt.*year/);
  });
});
