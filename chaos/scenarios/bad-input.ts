// The bad-input corpus (test/fixtures) sent straight to the topics during
// traffic: refused messages reach the DLQ with the expected reasons, valid
// ones are applied, and a reused eventId keeps its first payload.
import path from 'node:path';
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

/**
 * The valid cases a shipped mapping's columns cannot hold, by mapping, with the
 * statement and MySQL code its block reason must name. Magento's increment_id
 * holds 50 characters; the contract's order id 128.
 */
const REFUSED_BY_MAPPING: Record<string, Record<string, { file: string; code: string }>> = {
  magento: { 'order-id-128-unicode-chars': { file: 'upsert_order.sql', code: 'ER_DATA_TOO_LONG' } },
};

/** Whether a block reason names the statement and the data error expected for it. */
function refusedAsExpected(reason: string, want: { file: string; code: string }): boolean {
  const code = /\b(ER_[A-Z0-9_]+|WARN_[A-Z0-9_]+) \d+/.exec(reason)?.[1];
  return reason.includes(want.file) && code === want.code && isSqlDataErrorCode(code);
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
  // columns may be narrower than the contract: there the cases listed for the
  // mapping (and only those) must block their own order with the expected data
  // error naming the statement, never vanish.
  const orders = new OrderWorkflowClient(p.client, {
    taskQueue: p.cfg.ORDERSYNC_TASK_QUEUE,
    workflowOptions: {},
  });
  const mappingName =
    p.target.kind === 'sql' ? path.basename(p.cfg.ORDERSYNC_TARGET_MAPPING ?? '') : '';
  const mayRefuse = REFUSED_BY_MAPPING[mappingName] ?? {};
  const caseOf = new Map(
    cases.flatMap((c) => (c.expect.outcome === 'applied' ? [[c.expect.orderId, c.name]] : [])),
  );
  const refusedByTarget: string[] = [];
  const appliedRows = await eventually(
    async () => {
      const ids = [...expectApplied, dupOrder];
      const stored = await Promise.all(ids.map((id) => p.target.readOrder(p.app, id)));
      refusedByTarget.length = 0;
      for (const [k, o] of stored.entries()) {
        if (o !== null) continue;
        const want = mayRefuse[caseOf.get(ids[k]!) ?? ''];
        if (!want) return undefined;
        const s = await orders.status(ids[k]!);
        if (s.state !== 'blocked' || !refusedAsExpected(s.lastError ?? '', want)) return undefined;
        refusedByTarget.push(ids[k]!);
      }
      return new Map(ids.map((id, k) => [id, stored[k]]));
    },
    60_000,
    'the valid corpus cases to be applied (or blocked as the mapping is expected to refuse them)',
  );
  const [dupLedger] = await p.app.query<RowDataPacket[]>(
    'SELECT outcome FROM ordersync_applied_events WHERE order_id = ?',
    [dupOrder],
  );
  const dupTotal = appliedRows.get(dupOrder)?.fields.total;
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
        [...appliedRows.values()].filter((o) => o !== null).length + refusedByTarget.length ===
          expectApplied.length + 1 &&
        refusedByTarget.length <= Object.keys(mayRefuse).length &&
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
