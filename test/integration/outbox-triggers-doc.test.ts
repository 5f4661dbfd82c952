import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderEventSchema } from '../../src/contracts/events';
import { totalRuleBreach } from '../../src/contracts/total-rule';
import { EMPTY_CURSOR } from '../../src/erp/cursor';
import { OutboxSource } from '../../src/erp/outbox/outbox-source';
import type { ErpEvent } from '../../src/erp/source';
import { PgSqlClient } from '../../src/erp/sql/pg-client';
import { REPO, odooTestUrls } from '../support/erp-fixture-urls';

// docs/erp-outbox.md's trigger example, run as written on the real PostgreSQL:
// the outbox DDL, the normalised tables, the row triggers and the deferred
// ones. A header saved before its lines (as Frappe saves) must still give a
// snapshot with every line, each transaction one event per change, and every
// event must pass the message contract and the total rule.
const DOC = readFileSync(path.join(REPO, 'docs', 'erp-outbox.md'), 'utf8');

/** The ```sql blocks of the doc's section `heading` (up to the next `## `). */
function sqlBlocks(heading: string): string[] {
  const start = DOC.indexOf(`## ${heading}\n`);
  if (start < 0) throw new Error(`docs/erp-outbox.md has no section "${heading}"`);
  const end = DOC.indexOf('\n## ', start + 3);
  const section = DOC.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

const urls = odooTestUrls();
const schema = `outbox_doc_${process.pid}_${Date.now()}`;
const readerRole = decodeURIComponent(new URL(urls.reader).username);
let owner: pg.Client;
/** A second session: it ends the owner's if a commit never returns, and cleans up. */
let guard: pg.Client;
let ownerPid: number;
let reader: PgSqlClient;

beforeAll(async () => {
  const outboxDdl = sqlBlocks('The table').find((b) => b.includes('bigserial'));
  const triggers = sqlBlocks('Writing it from triggers');
  expect(outboxDdl, 'the PostgreSQL outbox DDL').toBeDefined();
  expect(triggers.length, 'tables, row triggers, invoice trigger').toBe(3);

  owner = new pg.Client({ connectionString: urls.writer });
  await owner.connect();
  guard = new pg.Client({ connectionString: urls.writer });
  await guard.connect();
  ownerPid = (await owner.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  await owner.query(`CREATE SCHEMA ${schema}`);
  await owner.query(`SET search_path TO ${schema}`);
  await owner.query(`GRANT USAGE ON SCHEMA ${schema} TO ${readerRole}`);
  // The doc grants to its own example account name.
  await owner.query(outboxDdl!.replaceAll('ordersync_reader', readerRole));
  for (const block of triggers) await owner.query(block);

  // The ERP's tables in a schema of their own, named in the URL as a user would.
  const url = new URL(urls.reader);
  url.searchParams.set('options', `-c search_path=${schema}`);
  reader = PgSqlClient.fromUrl(url.toString());
});

afterAll(async () => {
  await reader?.close();
  await owner?.end().catch(() => undefined);
  await guard?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await guard?.end();
});

/** What the consumer receives for one outbox row. */
function asMessage(e: ErpEvent) {
  return {
    eventId: e.eventId,
    orderId: e.orderId,
    channel: e.channel,
    type: e.type,
    erpVersion: e.erpVersion,
    occurredAt: e.occurredAt,
    data: e.data,
  };
}

async function inTransaction(statements: [string, unknown[]][]): Promise<void> {
  await owner.query('BEGIN');
  try {
    for (const [sql, values] of statements) await owner.query(sql, values);
    // A trigger that marks its own update loops at commit for ever, and
    // statement_timeout does not stop deferred triggers: end the session.
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void guard.query('SELECT pg_terminate_backend($1)', [ownerPid]);
        reject(new Error('COMMIT did not return in 20 s: the triggers loop at commit'));
      }, 20_000);
    });
    try {
      await Promise.race([owner.query('COMMIT'), stuck]);
    } finally {
      clearTimeout(timer);
    }
  } catch (err) {
    await owner.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

const header = (id: string) =>
  [
    `INSERT INTO order_header (order_id, channel, customer_id, customer_name, currency, total, status,
     ship_line1, ship_city, ship_zip, ship_country) VALUES ($1, 'store', 'C-7', 'Asha Rao', 'INR',
     $2, 'confirmed', '4 MG Road', 'Pune', '411001', 'IN')`,
    [id, '26.00'],
  ] as [string, unknown[]];
const line = (id: string, no: number, sku: string, qty: string, price: string) =>
  [
    'INSERT INTO order_line (order_id, line_no, sku, qty, unit_price) VALUES ($1, $2, $3, $4, $5)',
    [id, no, sku, qty, price],
  ] as [string, unknown[]];

describe("docs/erp-outbox.md's trigger example on PostgreSQL", () => {
  it("reads the ERP's schema from the URL's options, and its sessions stay in UTC", async () => {
    expect(await reader.query('SHOW search_path')).toEqual([{ search_path: schema }]);
    expect(await reader.query('SHOW TimeZone')).toEqual([{ TimeZone: 'UTC' }]);
  });

  it('writes one snapshot per transaction with every line, and the invoice after it', async () => {
    const id = `SO-DOC-${Date.now()}`;
    // 1. Header first, then its lines: the trap of a trigger on the header.
    await inTransaction([
      header(id),
      line(id, 1, 'RICE-5KG', '2', '10.00'),
      line(id, 2, 'DAL-1KG', '1.5', '4.00'),
    ]);
    // 2. A status change, a third line and the invoice, in one transaction.
    await inTransaction([
      ["UPDATE order_header SET status = 'shipped', total = $2 WHERE order_id = $1", [id, '29.00']],
      line(id, 3, 'SALT-1KG', '1', '3.00'),
      [
        `INSERT INTO invoice (invoice_id, order_id, number, amount, tax, issued_at)
         VALUES ($1, $2, $3, '29.00', '0.00', '2026-12-05 09:30:00.250')`,
        [`INV-${id}`, id, 'INV/2026/0042'],
      ],
    ]);

    const source = new OutboxSource(reader);
    const { events } = await source.fetchEvents(EMPTY_CURSOR, 100);
    const mine = events.filter((e) => e.orderId === id);
    expect(mine.map((e) => [e.type, e.erpVersion])).toEqual([
      ['order_creation', 1],
      ['order_updation', 2],
      ['invoice_creation', 3],
    ]);

    const parsed = mine.map((e) => orderEventSchema.safeParse(asMessage(e)));
    for (const p of parsed) expect(p.error?.issues ?? []).toEqual([]);
    const [created, updated, invoiced] = parsed.map((p) => p.data!);

    if (created!.type === 'invoice_creation' || updated!.type === 'invoice_creation')
      throw new Error('order events expected first');
    expect(created!.data.lines.map((l) => [l.sku, l.qty, l.unitPrice])).toEqual([
      ['RICE-5KG', 2, '10.00'],
      ['DAL-1KG', 1.5, '4.00'],
    ]);
    expect(totalRuleBreach(created!.data)).toBeNull();
    expect(created!.channel).toBe('store');
    expect(updated!.data.status).toBe('shipped');
    expect(updated!.data.lines).toHaveLength(3);
    expect(totalRuleBreach(updated!.data)).toBeNull();
    expect(invoiced).toMatchObject({
      type: 'invoice_creation',
      data: {
        invoiceId: `INV-${id}`,
        number: 'INV/2026/0042',
        amount: '29.00',
        issuedAt: '2026-12-05T09:30:00.250Z',
      },
    });
    expect(new Set(mine.map((e) => e.eventId)).size).toBe(3);

    // The triggers' own version bump marks nothing: no further row appears.
    const again = await source.fetchEvents(EMPTY_CURSOR, 100);
    expect(again.events.filter((e) => e.orderId === id)).toHaveLength(3);
  });

  it('lets a line edit and a header edit of one order, at once, both commit in turn', async () => {
    const id = `SO-DOC-2-${Date.now()}`;
    await inTransaction([header(id), line(id, 1, 'RICE-5KG', '2', '10.00')]);
    const session = async () => {
      const c = new pg.Client({ connectionString: urls.writer });
      await c.connect();
      await c.query(`SET search_path TO ${schema}`);
      await c.query(`SET lock_timeout = '15s'`);
      return c;
    };
    const [a, b] = [await session(), await session()];
    try {
      await a.query('BEGIN');
      await a.query(`UPDATE order_line SET qty = 3 WHERE order_id = $1`, [id]);
      await b.query('BEGIN');
      // Waits for a's transaction (the header lock a's line trigger took).
      const headerEdit = b.query(
        `UPDATE order_header SET status = 'packed', total = '30.00' WHERE order_id = $1`,
        [id],
      );
      await new Promise((r) => setTimeout(r, 300));
      await a.query(`UPDATE order_header SET total = '30.00' WHERE order_id = $1`, [id]);
      await a.query('COMMIT');
      await headerEdit;
      await b.query('COMMIT');
    } finally {
      await a.end();
      await b.end();
    }
    const { events } = await new OutboxSource(reader).fetchEvents(EMPTY_CURSOR, 1000);
    const mine = events.filter((e) => e.orderId === id);
    expect(mine.map((e) => e.erpVersion)).toEqual([1, 2, 3]);
    const last = orderEventSchema.parse(asMessage(mine[2]!));
    if (last.type === 'invoice_creation') throw new Error('an order snapshot expected');
    expect([last.data.status, last.data.total, last.data.lines[0]!.qty]).toEqual([
      'packed',
      '30.00',
      3,
    ]);
  });

  it('writes no event for a header saved without lines, and the order once it has them', async () => {
    const id = `SO-DOC-3-${Date.now()}`;
    await inTransaction([header(id)]);
    await inTransaction([
      line(id, 1, 'RICE-5KG', '2', '10.00'),
      line(id, 2, 'DAL-1KG', '1.5', '4.00'),
    ]);
    const { events } = await new OutboxSource(reader).fetchEvents(EMPTY_CURSOR, 1000);
    const mine = events.filter((e) => e.orderId === id);
    expect(mine.map((e) => [e.type, e.erpVersion])).toEqual([['order_creation', 1]]);
    expect(orderEventSchema.safeParse(asMessage(mine[0]!)).success).toBe(true);
  });
});
