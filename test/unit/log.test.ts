import { logLevel as KafkaLogLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildRootLogger,
  createLogger,
  logFormatFromEnv,
  logLevelFromEnv,
  setRootLogger,
} from '../../src/log';
import { formatPretty } from '../../src/observability/pretty-log';
import { kafkaLogCreator, temporalLogger } from '../../src/observability/sdk-logs';
import { validEvent } from '../support/fixtures';

/** Routes the process logger into an array of parsed JSON lines. */
function capture(env: NodeJS.ProcessEnv = {}): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  const sink = { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) };
  setRootLogger(buildRootLogger({ ORDERSYNC_LOG_FORMAT: 'json', ...env }, sink));
  return lines;
}

afterEach(() => setRootLogger(buildRootLogger({ ORDERSYNC_LOG_LEVEL: 'silent' })));

describe('logger', () => {
  it('writes JSON lines with level, time, component and fields', () => {
    const lines = capture();
    createLogger('worker').info('worker running', { taskQueue: 'tq' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      component: 'worker',
      msg: 'worker running',
      taskQueue: 'tq',
    });
    expect(typeof lines[0]!.time).toBe('string');
  });

  it('drops lines below ORDERSYNC_LOG_LEVEL', () => {
    const lines = capture({ ORDERSYNC_LOG_LEVEL: 'warn' });
    const log = createLogger('x');
    log.info('quiet');
    log.debug('quieter');
    log.warn('loud');
    expect(lines.map((l) => l.msg)).toEqual(['loud']);
  });

  it('refuses a bad level or format, naming the variable', () => {
    expect(() => logLevelFromEnv({ ORDERSYNC_LOG_LEVEL: 'verbose' })).toThrow(
      /ORDERSYNC_LOG_LEVEL/,
    );
    expect(() => logFormatFromEnv({ ORDERSYNC_LOG_FORMAT: 'xml' }, false)).toThrow(
      /ORDERSYNC_LOG_FORMAT/,
    );
    expect(logFormatFromEnv({}, true)).toBe('pretty');
    expect(logFormatFromEnv({}, false)).toBe('json');
    expect(logFormatFromEnv({ ORDERSYNC_LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });

  it('never writes customer data or secrets, at any depth', () => {
    const lines = capture({ ORDERSYNC_LOG_LEVEL: 'trace' });
    const event = validEvent();
    const err = Object.assign(new Error('connect failed for mysql://app:hunter2@db:3306/x'), {
      sql: "INSERT INTO orders VALUES ('Asha Rao')",
    });
    createLogger('t').error('apply failed', { event, batch: [{ event }], err, apiKey: 'k-123' });
    const text = JSON.stringify(lines);
    for (const secret of [
      'Asha Rao',
      'asha.rao@example.com',
      'MG Road',
      'Bengaluru',
      'hunter2',
      'k-123',
    ])
      expect(text).not.toContain(secret);
    expect(text).toContain('mysql://app:***@db:3306/x');
    expect(lines[0]).toMatchObject({
      event: { orderId: event.orderId, data: { customer: '[redacted]' } },
    });
  });

  it('scrubs contract-v2 customer data: phone, billing address, attributes', () => {
    const lines = capture({ ORDERSYNC_LOG_LEVEL: 'trace' });
    const event = validEvent();
    const data = event.data as Record<string, unknown>;
    data.customer = { ...(data.customer as object), phone: '+91 98450 77777' };
    data.billingAddress = {
      line1: '9 Lavelle Road',
      city: 'Mysuru',
      postalCode: '570001',
      country: 'IN',
    };
    data.attributes = { salesperson: 'Kavya Menon', storeCode: 'BLR-01' };
    data.erpStatus = 'On Hold';
    const row = { billing_address: data.billingAddress, attributes: data.attributes };
    createLogger('t').warn('order blocked', { event, row, phone: '+91 98450 77777' });
    const text = JSON.stringify(lines);
    for (const secret of ['98450 77777', 'Lavelle', 'Mysuru', 'Kavya Menon', 'BLR-01'])
      expect(text).not.toContain(secret);
    // Not customer data: what the ERP said about the order stays readable.
    expect(text).toContain('On Hold');
    expect(lines[0]).toMatchObject({
      event: { data: { billingAddress: '[redacted]', attributes: '[redacted]' } },
      row: { billing_address: '[redacted]', attributes: '[redacted]' },
    });
  });

  it('renders a readable line for a terminal', () => {
    const line = formatPretty(
      JSON.stringify({
        level: 'warn',
        time: '2026-11-25T09:00:01.234Z',
        component: 'consumer',
        msg: 'slow',
        ms: 12,
      }),
      false,
    );
    expect(line).toBe('09:00:01.234 WARN  [consumer] slow ms=12\n');
  });
});

describe('Temporal SDK and kafkajs lines', () => {
  it('carry component, orderId, workflowId and runId', () => {
    const lines = capture({ ORDERSYNC_LOG_LEVEL: 'debug' });
    temporalLogger().debug('Activity completed', {
      sdkComponent: 'activity',
      workflowId: 'ORD-1',
      workflowRunId: 'run-1',
      workflowType: 'orderSyncWorkflow',
      activityType: 'applyOrderEvents',
      taskToken: 'secret-token',
    });
    temporalLogger().info('Workflow started', {
      sdkComponent: 'workflow',
      workflowId: 'poll-1',
      runId: 'r',
      workflowType: 'erpPollWorkflow',
    });
    expect(lines[0]).toMatchObject({
      component: 'temporal.activity',
      orderId: 'ORD-1',
      workflowId: 'ORD-1',
      runId: 'run-1',
      activityType: 'applyOrderEvents',
      level: 'debug',
    });
    expect(JSON.stringify(lines)).not.toContain('secret-token');
    expect(lines[1]).toMatchObject({ component: 'temporal.workflow', workflowId: 'poll-1' });
    expect(lines[1]!.orderId).toBeUndefined();
  });

  it('kafkajs entries keep their namespace under component kafkajs', () => {
    const lines = capture();
    kafkaLogCreator(KafkaLogLevel.INFO)({
      namespace: 'ConsumerGroup',
      level: KafkaLogLevel.WARN,
      label: 'WARN',
      log: {
        timestamp: 'now',
        logger: 'kafkajs',
        message: 'Restarting the consumer',
        retryTime: 300,
      },
    });
    expect(lines[0]).toMatchObject({
      component: 'kafkajs',
      kafkaNamespace: 'ConsumerGroup',
      level: 'warn',
      msg: 'Restarting the consumer',
      retryTime: 300,
    });
  });

  it('a broker error kafkajs retries by itself is a warning; any other stays an error', () => {
    const lines = capture();
    const response = (error: string) => ({
      namespace: 'Connection',
      level: KafkaLogLevel.ERROR,
      label: 'ERROR',
      log: {
        timestamp: 'now',
        logger: 'kafkajs',
        message: 'Response Metadata(key: 3, version: 6)',
        error,
      },
    });
    const create = kafkaLogCreator(KafkaLogLevel.INFO);
    create(response('This server is not the leader for that topic-partition'));
    create(
      response(
        'There is no leader for this topic-partition as we are in the middle of a leadership election',
      ),
    );
    create(response('Not authorized to access topics: [Topic authorization failed]'));
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn', 'error']);
    expect(lines[0]).toMatchObject({
      kafkaNamespace: 'Connection',
      msg: 'Response Metadata(key: 3, version: 6)',
    });
  });
});
