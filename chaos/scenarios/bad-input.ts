// The bad-input corpus (test/fixtures) sent straight to the topics during
// traffic: refused messages reach the DLQ with the expected reasons, valid
// ones are applied, and a reused eventId keeps its first payload.
import type { RowDataPacket } from 'mysql2/promise';
import { normalizeAmount } from '../../src/contracts/currency';
import { HEADERS } from '../../src/contracts/topics';
import { topicsFromConfig } from '../../src/kafka/topics';
import { badInputCorpus, duplicateEventIdPair } from '../../test/fixtures/bad-input-corpus';
import { eventually } from '../../test/support/env';
import { result, startDefault } from '../harness';
import type { Scenario } from '../harness';

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
  const appliedRows = await eventually(
    async () => {
      const [rows] = await p.app.query<RowDataPacket[]>(
        'SELECT order_id FROM orders WHERE order_id IN (?)',
        [[...expectApplied, dupOrder]],
      );
      return rows.length === expectApplied.length + 1 ? rows : undefined;
    },
    60_000,
    'the valid corpus cases to be applied',
  );
  const [dupLedger] = await p.app.query<RowDataPacket[]>(
    'SELECT outcome FROM ordersync_applied_events WHERE order_id = ?',
    [dupOrder],
  );
  const [dupRow] = await p.app.query<RowDataPacket[]>(
    'SELECT total FROM orders WHERE order_id = ?',
    [dupOrder],
  );
  const firstTotal = (JSON.parse(firstCopy) as { data: { total: string } }).data.total;
  // DECIMAL(20,4) reads back as "598.0000": compared at INR's two decimals.
  const storedTotal = dupRow[0] ? normalizeAmount(String(dupRow[0].total), 2) : undefined;
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
      pass: reasonsMatch && appliedRows.length === expectApplied.length + 1 && dupOk && alive,
      notes: [
        `${cases.length} corpus cases: ${dlq.length} dead-lettered (${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ')}), ${expectApplied.length} valid applied`,
        dupOk
          ? 'same eventId with another payload: first copy kept, second skipped'
          : 'DUPLICATE EVENT ID HANDLED WRONGLY',
        alive ? 'no process crashed' : `processes restarted: ${p.restarts.join('; ')}`,
      ],
    },
  );
};
