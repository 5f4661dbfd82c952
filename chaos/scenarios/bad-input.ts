// The bad-input corpus (test/fixtures) sent straight to the topics during
// traffic: refused messages reach the DLQ with the expected reasons, valid
// ones are applied, and a reused eventId keeps its first payload.
import type { RowDataPacket } from 'mysql2/promise';
import { normalizeAmount } from '../../src/contracts/currency';
import { HEADERS } from '../../src/contracts/topics';
import { topicsFromConfig } from '../../src/kafka/topics';
import { badInputCorpus, duplicateEventIdPair } from '../../test/fixtures/bad-input-corpus';
import { isSqlDataErrorCode } from '../../src/target/sql/sql-errors';
import { OrderWorkflowClient } from '../../src/temporal/order-workflow-client';
import { eventually } from '../../test/support/env';
import { result, startDefault } from '../harness';
import type { Scenario } from '../harness';

/** A block reason that names a mapping statement and a MySQL data error (code and number). */
function refusedForData(reason: string): boolean {
  const code = /\b(ER_[A-Z0-9_]+|WARN_[A-Z0-9_]+) \d+/.exec(reason)?.[1];
  return /\b[a-z_]+\.sql\b/.test(reason) && code !== undefined && isSqlDataErrorCode(code);
}

export const badInput: Scenario = async (p) => {
  await startDefault(p);
  const traffic = p.simulate({ orders: 30, rate: 40 });
  let i = 0;
  const cases = badInputCorpus(() => `${p.prefix}-X${String(++i).padStart(3, '0')}`);
  const topics = topicsFromConfig(p.cfg);
  // Idempotent: a retried send must not put a second copy of a case on the topic.
  const producer = p.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (const c of cases) {
    await producer.send({ topic: topics[c.channel], messages: [{ key: c.key, value: c.value }] });
  }
  const dupOrder = `${p.prefix}-XDUP`;
  const [firstCopy, secondCopy] = duplicateEventIdPair(dupOrder);
  await producer.send({ topic: topics.online, messages: [{ key: dupOrder, value: firstCopy }] });
  await producer.send({ topic: topics.online, messages: [{ key: dupOrder, value: secondCopy }] });
  await producer.disconnect();
  await traffic;
  const started = Date.now();
  // The simulated orders still converge, untouched by the bad input.
  const report = await p.converge();
  const expectDlq = cases.filter((c) => c.expect.outcome === 'dlq');
  const expectApplied = cases.flatMap((c) =>
    c.expect.outcome === 'applied' ? [c.expect.orderId] : [],
  );
  let seenInDlq = 0;
  const dlq = await eventually(
    async () => {
      const m = await p.dlq();
      seenInDlq = m.length;
      return m.length >= expectDlq.length ? m : undefined;
    },
    60_000,
    'every bad message in the DLQ',
  ).catch((err: Error) => {
    throw new Error(`${err.message} (${seenInDlq} of ${expectDlq.length} arrived)`);
  });
  const reasons = new Map<string, number>();
  for (const m of dlq) {
    const r = m.headers?.[HEADERS.dlqReason]?.toString() ?? '?';
    reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  const wanted = new Map<string, number>();
  for (const c of expectDlq)
    if (c.expect.outcome === 'dlq')
      wanted.set(c.expect.reason, (wanted.get(c.expect.reason) ?? 0) + 1);
  const reasonsMatch =
    [...wanted].every(([r, n]) => reasons.get(r) === n) && dlq.length === expectDlq.length;
  // Read through the target, so the check holds for a mapping too. A mapping's
  // columns may be narrower than the contract (Magento's increment_id holds 50
  // characters, the contract's order id 128): there a valid case must block its
  // own order with a data error naming the statement, never vanish.
  const orders = new OrderWorkflowClient(p.client, {
    taskQueue: p.cfg.ORDERSYNC_TASK_QUEUE,
    workflowOptions: {},
  });
  const refusedByTarget: string[] = [];
  const appliedRows = await eventually(
    async () => {
      const ids = [...expectApplied, dupOrder];
      const stored = await Promise.all(ids.map((id) => p.target.readOrder(p.app, id)));
      refusedByTarget.length = 0;
      for (const [k, o] of stored.entries()) {
        if (o !== null) continue;
        if (p.target.kind !== 'sql') return undefined;
        const s = await orders.status(ids[k]!);
        if (s.state !== 'blocked' || !refusedForData(s.lastError ?? '')) return undefined;
        refusedByTarget.push(ids[k]!);
      }
      return stored.filter((o) => o !== null);
    },
    60_000,
    'the valid corpus cases to be applied (or, under a mapping, refused by the target as data)',
  );
  const [dupLedger] = await p.app.query<RowDataPacket[]>(
    'SELECT outcome FROM ordersync_applied_events WHERE order_id = ?',
    [dupOrder],
  );
  const dupTotal = appliedRows.at(-1)?.fields.total;
  const firstTotal = (JSON.parse(firstCopy) as { data: { total: string } }).data.total;
  // DECIMAL(20,4) reads back as "598.0000": compared at INR's two decimals.
  const storedTotal =
    typeof dupTotal === 'string' || typeof dupTotal === 'number'
      ? normalizeAmount(String(dupTotal), 2)
      : undefined;
  const dupOk = dupLedger.length === 1 && storedTotal === normalizeAmount(firstTotal, 2);
  const alive =
    [...p.children.values()].every((c) => c.exitCode === null) && p.restarts.length === 0;
  return result(
    p.name,
    report,
    (await p.erpEvents()) + cases.length + 2,
    (Date.now() - started) / 1000,
    {
      dlq: dlq.length,
      notInErp: [...expectApplied, dupOrder],
      pass:
        reasonsMatch &&
        appliedRows.length + refusedByTarget.length === expectApplied.length + 1 &&
        dupOk &&
        alive,
      notes: [
        `${cases.length} corpus cases: ${dlq.length} dead-lettered (${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ')}), ${expectApplied.length - refusedByTarget.length} valid applied`,
        ...(refusedByTarget.length > 0
          ? [
              `${refusedByTarget.length} valid case(s) blocked alone by the mapping's columns (a data error)`,
            ]
          : []),
        dupOk
          ? 'same eventId with another payload: first copy kept, second skipped'
          : 'DUPLICATE EVENT ID HANDLED WRONGLY',
        alive ? 'no process crashed' : `processes restarted: ${p.restarts.join('; ')}`,
      ],
    },
  );
};
