import type { ChildProcess } from 'node:child_process';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicsFromConfig } from '../../src/kafka/topics';
import { eventually } from '../support/env';
import { TestPipeline } from '../support/pipeline';
import { v2Cases } from '../support/v2-orders';
import { expectStoredAsSent } from '../support/v2-stored';

// Contract version 2 through the real servers: messages produced to Kafka as any
// producer would, consumed, applied by a worker, and read back from MariaDB.
let p: TestPipeline;
const children: ChildProcess[] = [];

beforeAll(async () => {
  p = await TestPipeline.create('v2');
  children.push(p.start('worker'), p.start('consumer'));
}, 120_000);

afterAll(async () => {
  await p?.close();
});

describe('contract version 2 through Kafka', () => {
  it('stores each case of issue 23 exactly as sent', async () => {
    const cases = v2Cases(`V2-${p.runId}`);
    const topics = topicsFromConfig(p.cfg);
    const producer = p.kafka.producer();
    await producer.connect();
    for (const c of cases) {
      // One order's messages in order, keyed by its id, so they share a partition.
      await producer.send({
        topic: topics[c.channel],
        messages: c.events.map((e) => ({ key: c.orderId, value: JSON.stringify(e) })),
      });
    }
    await producer.disconnect();
    for (const c of cases) {
      await eventually(
        async () => {
          for (const child of children)
            if (child.exitCode !== null) throw new Error(`a process exited with ${child.exitCode}`);
          await expectStoredAsSent(p.app, c);
          return true;
        },
        90_000,
        `${c.name} stored as sent`,
        500,
      );
    }
    expect(await p.deadLetters()).toEqual([]);
  }, 200_000);

  it('carries the simulated ERP version-2 traffic to a target equal to the ERP', async () => {
    await p.schedule();
    const prefix = `V2S-${p.runId}`;
    const sim = await p.simulate({ orders: 36, prefix, creditNoteProbability: 0.5 });
    const report = await p.converge(prefix, 180_000, 'the target to equal the ERP', {
      alive: children,
    });
    expect(report.matching).toBe(36);
    expect(report.appliedEvents).toBe(sim.events);
    // The run exercised version 2's paths: every minor-unit exponent, weights,
    // tax, shipping, attributes and credit notes, all stored.
    const [rows] = await p.app.query<RowDataPacket[]>(
      `SELECT
         SUM(currency = 'KWD') AS kwd, SUM(currency = 'JPY') AS jpy,
         SUM(shipping_total IS NOT NULL) AS shipped, SUM(attributes IS NOT NULL) AS attributed,
         SUM(JSON_SEARCH(\`lines\`, 'one', 'GOLD-24K-G') IS NOT NULL) AS gold,
         (SELECT COUNT(*) FROM invoices WHERE order_id LIKE ? AND kind = 'credit_note') AS credit
       FROM orders WHERE order_id LIKE ?`,
      [`${prefix}%`, `${prefix}%`],
    );
    const r = rows[0]!;
    expect(Number(r.kwd)).toBeGreaterThan(0);
    expect(Number(r.jpy)).toBeGreaterThan(0);
    expect(Number(r.shipped)).toBeGreaterThan(0);
    expect(Number(r.attributed)).toBe(12);
    expect(Number(r.credit)).toBeGreaterThan(0);
    expect(Number(r.gold)).toBeGreaterThan(0);
  }, 300_000);
});
