import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendingSql } from '../../src/db/mysql-errors';
import { EMPTY_CURSOR, inRanges } from '../../src/erp/cursor';
import { OutboxSource } from '../../src/erp/outbox/outbox-source';
import { PgSqlClient } from '../../src/erp/sql/pg-client';
import { odooTestUrls } from '../support/query-source';

// The outbox on PostgreSQL (docs/erp-outbox.md's DDL), read with the read-only
// account: a bigserial takes its value before commit, so a later sequence can
// be visible first, and the cursor must wait for the gap.
const urls = odooTestUrls();
let owner: pg.Pool;
let reader: PgSqlClient;

const DDL = `CREATE TABLE IF NOT EXISTS order_events (
  seq bigserial PRIMARY KEY, event_id varchar(64) NOT NULL UNIQUE, order_id varchar(64) NOT NULL,
  channel varchar(16) NOT NULL, type varchar(32) NOT NULL, version integer NOT NULL CHECK (version > 0),
  occurred_at timestamp(3) NOT NULL, payload jsonb NOT NULL, UNIQUE (order_id, version))`;

const insert = (c: pg.PoolClient | pg.Pool, orderId: string) =>
  c.query<{ seq: string }>(
    `INSERT INTO order_events (event_id, order_id, channel, type, version, occurred_at, payload)
     VALUES ($1, $1, 'online', 'order_creation', 1, '2026-12-04 10:00:00.123', '{"k": 1}') RETURNING seq`,
    [orderId],
  );

beforeAll(async () => {
  owner = new pg.Pool({ connectionString: urls.writer, max: 3 });
  await owner.query(DDL);
  reader = PgSqlClient.fromUrl(urls.reader);
});

afterAll(async () => {
  await reader?.close();
  await owner?.end();
});

describe('the outbox on PostgreSQL', () => {
  it('waits for a sequence taken before a later one committed, then reads it', async () => {
    const run = `pg-${Date.now()}`;
    const [{ high }] = (await reader.query(
      'SELECT COALESCE(MAX(seq), 0) AS high FROM order_events',
    )) as [{ high: string }];
    const cursor = { ...EMPTY_CURSOR, position: Number(high) };
    const slow = await owner.connect();
    try {
      await slow.query('BEGIN');
      const early = Number((await insert(slow, `${run}-a`)).rows[0]!.seq);
      const late = Number((await insert(owner, `${run}-b`)).rows[0]!.seq);
      expect(late).toBeGreaterThan(early);

      const source = new OutboxSource(reader);
      const first = await source.fetchEvents(cursor, 100);
      expect(first.events.map((e) => e.orderId)).toEqual([`${run}-b`]);
      expect(inRanges(first.nextCursor.gaps, early)).toBe(true);
      expect(first.events[0]).toMatchObject({
        occurredAt: '2026-12-04T10:00:00.123Z',
        data: { k: 1 },
        erpVersion: 1,
      });

      await slow.query('COMMIT');
      const second = await source.fetchEvents(first.nextCursor, 100);
      expect(second.events.map((e) => e.orderId)).toEqual([`${run}-a`]);
      expect(second.nextCursor.gaps).toEqual([]);
      expect(second.droppedGaps).toEqual([]);
      expect((await source.fetchOrderEvents(`${run}-a`, 1, 10)).map((e) => e.seq)).toEqual([early]);
    } finally {
      slow.release();
    }
  });

  it('re-reads a gap given up at the TTL and produces its row when it commits late', async () => {
    const run = `pg-late-${Date.now()}`;
    const [{ high }] = (await reader.query(
      'SELECT COALESCE(MAX(seq), 0) AS high FROM order_events',
    )) as [{ high: string }];
    let clock = 1_000_000;
    // A TTL of one minute and a late watch of an hour, on a clock the test moves.
    const source = new OutboxSource(
      reader,
      { gapTtlMs: 60_000, lateWatchMs: 3_600_000 },
      () => clock,
    );
    const slow = await owner.connect();
    try {
      await slow.query('BEGIN');
      const early = Number((await insert(slow, `${run}-a`)).rows[0]!.seq);
      await insert(owner, `${run}-b`);

      const first = await source.fetchEvents({ ...EMPTY_CURSOR, position: Number(high) }, 100);
      expect(inRanges(first.nextCursor.gaps, early)).toBe(true);
      clock += 61_000;
      const second = await source.fetchEvents(first.nextCursor, 100);
      expect(second.events).toEqual([]);
      expect(second.droppedGaps).toContainEqual(
        expect.objectContaining({ reason: 'expired', from: early, to: early }),
      );
      expect(inRanges(second.nextCursor.gaps, early)).toBe(false);
      expect(inRanges(second.nextCursor.dropped ?? [], early)).toBe(true);

      await slow.query('COMMIT');
      clock += 61_000;
      const third = await source.fetchEvents(second.nextCursor, 100);
      expect(third.events.map((e) => [e.seq, e.orderId])).toEqual([[early, `${run}-a`]]);
      expect(inRanges(third.nextCursor.dropped ?? [], early)).toBe(false);
      expect(third.nextCursor.gaps).toEqual([]);
    } finally {
      slow.release();
    }
  });

  it('leaves a PostgreSQL error without the values it quotes when it leaves an activity', async () => {
    const err = await sendingSql(() =>
      reader.query('SELECT seq FROM order_events WHERE seq = :v::bigint', {
        v: 'jane@example.com',
      }),
    ).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain('SELECT order_events');
    expect(err!.message).not.toContain('jane@example.com');
  });
});
