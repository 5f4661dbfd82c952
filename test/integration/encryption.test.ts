import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import type { OrderEvent } from '../../src/contracts/events';
import type { ApplyInput, ApplyResult } from '../../src/contracts/workflow-types';
import { createTemporalClient } from '../../src/temporal/connection';
import { createDataConverter, createPayloadCodec } from '../../src/temporal/data-converter';
import { ENCRYPTED_ENCODING } from '../../src/temporal/encryption-codec';
import { bundleWorkflows } from '../../src/temporal/workflow-bundle';
import { decodeHistory } from '../../src/temporal/history';
import { eventsSignal, orderSyncWorkflow, statusQuery } from '../../workflows/order-sync';
import { eventually, testEnv } from '../support/env';
import { orderHistory, uniqueOrderId } from '../support/order-events';

// Customer data in Temporal is encrypted at rest: a client without the codec sees
// no marker anywhere in the history, the codec and `ordersync history` see all of them.
const { cfg, env, runId } = testEnv('enc');
const run = promisify(execFile);
const BIN = path.join(__dirname, '..', '..', 'bin', 'ordersync');
const tag = runId.replace(/[^A-Za-z0-9]/g, '');
const marker = (orderId: string) => ({
  id: 'C-ENC',
  name: `Name${tag}${orderId.slice(-6)}`,
  email: `mail${tag}${orderId.slice(-6)}@marker.example`,
});

let client: Client;
let plain: Client;
let worker: Worker;
let running: Promise<void>;
const attempts = new Map<string, number>();

/** Applies everything, but the first attempt per order fails quoting the e-mail, like a MySQL duplicate-key error would. */
function activities(): Pick<
  Activities,
  'applyOrderEvents' | 'readOrderEventsFromErp' | 'pollErpToKafka' | 'deadLetterHeldEvents'
> {
  return {
    async applyOrderEvents(input: ApplyInput): Promise<ApplyResult> {
      const n = (attempts.get(input.orderId) ?? 0) + 1;
      attempts.set(input.orderId, n);
      const first = input.events.find((e) => e.type !== 'invoice_creation');
      if (n === 1 && first)
        throw new Error(`Duplicate entry '${first.data.customer.email}' for key 'uq_email'`);
      const last = input.events.at(-1)!;
      return {
        outcomes: input.events.map((e) => ({ eventId: e.eventId, outcome: 'applied' as const })),
        order: {
          exists: true,
          erpVersion: last.erpVersion,
          lastEventType: last.type,
          invoiced: input.events.some((e) => e.type === 'invoice_creation'),
        },
      };
    },
    async readOrderEventsFromErp() {
      return { events: [], invalid: [], nextVersion: null };
    },
    async deadLetterHeldEvents({ events }) {
      return events.length;
    },
    async pollErpToKafka() {
      throw new Error('not used by these tests');
    },
  };
}

function markedEvents(orderId: string): OrderEvent[] {
  return orderHistory(orderId, 1).map((e) =>
    e.type === 'invoice_creation' ? e : { ...e, data: { ...e.data, customer: marker(orderId) } },
  );
}

/**
 * Every payload's encoding in a raw history, by path. Search attributes stay
 * plaintext by design; so does the SDK core's own local-activity marker record
 * (`details.data`: sequence, attempt, activity type, times), written outside the codec.
 */
function payloadEncodings(node: unknown, path = '', out: string[] = []): string[] {
  if (typeof node !== 'object' || node === null || node instanceof Uint8Array) return out;
  if (/\.searchAttributes$|markerRecordedEventAttributes\.details\.data$/.test(path)) return out;
  const rec = node as Record<string, unknown>;
  const meta = rec.metadata as Record<string, unknown> | undefined;
  if (
    meta &&
    meta.encoding instanceof Uint8Array &&
    (rec.data === undefined || rec.data === null || rec.data instanceof Uint8Array)
  )
    out.push(new TextDecoder().decode(meta.encoding));
  else for (const [k, v] of Object.entries(rec)) payloadEncodings(v, `${path}.${k}`, out);
  return out;
}

/** The raw history as bytes and as protobuf JSON with every base64 field decoded, for plaintext searches. */
function rawTexts(history: temporal.api.history.v1.IHistory): string[] {
  const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
  const json = JSON.stringify(
    temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(history), {
      bytes: String,
      longs: String,
      enums: String,
    }),
  );
  const unbased = [...json.matchAll(/"([A-Za-z0-9+/]{8,}={0,2})"/g)]
    .map((m) => Buffer.from(m[1]!, 'base64').toString('latin1'))
    .join('\n');
  return [bytes.toString('latin1'), json, unbased];
}

const orders = [
  { orderId: uniqueOrderId('ENC'), localApply: true },
  { orderId: uniqueOrderId('ENC'), localApply: false },
];

beforeAll(async () => {
  const bundle = { code: await bundleWorkflows() };
  client = await createTemporalClient(cfg);
  plain = new Client({
    connection: client.connection,
    namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
  });
  const { NativeConnection } = await import('@temporalio/worker');
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: cfg.ORDERSYNC_TEMPORAL_ADDRESS }),
    namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
    taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
    workflowBundle: bundle,
    dataConverter: createDataConverter(cfg),
    activities: activities(),
  });
  running = worker.run();
  for (const o of orders)
    await client.workflow.signalWithStart(orderSyncWorkflow, {
      workflowId: o.orderId,
      taskQueue: cfg.ORDERSYNC_TASK_QUEUE,
      args: [{ orderId: o.orderId, channel: 'online', options: { localApply: o.localApply } }],
      signal: eventsSignal,
      signalArgs: [markedEvents(o.orderId)],
    });
  for (const o of orders)
    await eventually(
      async () =>
        (await client.workflow.getHandle(o.orderId).query(statusQuery)).state === 'invoiced',
      60_000,
      `order ${o.orderId} invoiced`,
    );
}, 180_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  for (const o of orders)
    await client?.workflow
      .getHandle(o.orderId)
      .terminate('test done')
      .catch(() => undefined);
  await client?.connection.close();
});

describe('customer data in Temporal history', () => {
  it('is absent from the raw history read without the codec, failures included', async () => {
    for (const o of orders) {
      const { name, email } = marker(o.orderId);
      const history = await plain.workflow.getHandle(o.orderId).fetchHistory();
      const texts = rawTexts(history);
      // The search works: the workflow id is plaintext and is found.
      expect(texts[0]).toContain(o.orderId);
      for (const t of texts) {
        expect(t).not.toContain(name);
        expect(t).not.toContain(email);
        expect(t).not.toContain('Duplicate entry');
      }
      const encodings = payloadEncodings(history);
      expect(encodings.length).toBeGreaterThanOrEqual(3);
      expect(new Set(encodings)).toEqual(new Set([ENCRYPTED_ENCODING]));
    }
    // The remote activity's failed first attempt is in ActivityTaskStarted.lastFailure, message encoded.
    const remote = await plain.workflow.getHandle(orders[1]!.orderId).fetchHistory();
    const failures = (remote.events ?? [])
      .map((e) => e.activityTaskStartedEventAttributes?.lastFailure)
      .filter((f) => f);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]!.message).toBe('Encoded failure');
    expect(failures[0]!.encodedAttributes?.metadata?.encoding).toBeDefined();
  });

  it('cannot be read through a client without the keys, even by query', async () => {
    await expect(plain.workflow.getHandle(orders[0]!.orderId).query(statusQuery)).rejects.toThrow();
  });

  it('is present when the history is decoded with the codec', async () => {
    for (const o of orders) {
      const history = await client.workflow.getHandle(o.orderId).fetchHistory();
      const text = JSON.stringify(await decodeHistory(history, [createPayloadCodec(cfg)]));
      expect(text).toContain(marker(o.orderId).name);
      expect(text).toContain(marker(o.orderId).email);
    }
  });

  it("`ordersync history` prints it, the failed attempt's message included", async () => {
    const o = orders[1]!;
    const { stdout } = await run(process.execPath, [BIN, 'history', o.orderId], { env });
    expect(stdout).toContain('WorkflowExecutionSignaled');
    expect(stdout).toContain(marker(o.orderId).name);
    expect(stdout).toContain(marker(o.orderId).email);
    expect(stdout).toContain(`Duplicate entry '${marker(o.orderId).email}'`);
    const json = await run(process.execPath, [BIN, 'history', o.orderId, '--json'], { env });
    const events = JSON.parse(json.stdout) as { eventType: string }[];
    expect(events[0]!.eventType).toBe('WorkflowExecutionStarted');
    expect(json.stdout).toContain(marker(o.orderId).email);
  });

  it('`ordersync status` decodes the query result with the same keys', async () => {
    const o = orders[0]!;
    const { stdout } = await run(process.execPath, [BIN, 'status', o.orderId, '--json'], { env });
    expect(JSON.parse(stdout)).toMatchObject({ orderId: o.orderId, state: 'invoiced' });
  });
});
