import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MysqlErpSource } from '../../src/erp/mysql-source';
import { createKafka } from '../../src/kafka/client';
import { EventProducer } from '../../src/kafka/producer';
import { topicsFromConfig } from '../../src/kafka/topics';
import { TestPipeline } from '../support/pipeline';

// simulator → Schedule → poll → Kafka → two consumers and two workers, each its
// own process → MySQL. Out-of-order ERP commits and duplicate delivery included.
let p: TestPipeline;
let prefix: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  p = await TestPipeline.create('e2e');
  prefix = `E2E-${p.runId}`;
  for (const role of ['worker', 'worker', 'consumer', 'consumer'] as const)
    children.push(p.start(role));
  await p.schedule();
});

afterAll(async () => {
  await p?.close();
});

describe('the whole pipeline, real servers, separate processes', () => {
  it('brings every order to the ERP state, in version order, each event with one effect', async () => {
    const { cfg, reader } = p;
    const sim = await p.simulate({
      orders: 120,
      prefix,
      concurrency: 6,
      lateCommitProbability: 0.3,
      lateCommitMs: 400,
    });
    expect(sim.events).toBeGreaterThanOrEqual(240);

    // Duplicate delivery: produce every event of the first 30 orders a second time.
    const kafka = createKafka(cfg, '-e2e-dup');
    const producer = new EventProducer(kafka, topicsFromConfig(cfg));
    await producer.connect();
    const erp = new MysqlErpSource(reader);
    for (const orderId of sim.orderIds.slice(0, 30))
      await producer.sendEvents(await erp.fetchOrderEvents(orderId, 1, 10_000));
    await producer.disconnect();

    const report = await p.converge(prefix, 240_000, 'the target to equal the ERP', {
      alive: children,
    });
    expect(report.orders).toBe(120);
    expect(report.matching).toBe(120);
    expect(report.duplicates).toBe(0);
    expect(report.orderingViolations).toBe(0);
    expect(report.appliedEvents + report.skippedEvents).toBe(sim.events);
    expect(report.appliedEvents).toBe(sim.events); // no re-delivery may have reached MySQL as a second effect
  }, 300_000);
});
