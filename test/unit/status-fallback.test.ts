import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { formatServerView, unansweredReason } from '../../src/cli/status-fallback';
import type { ServerView } from '../../src/cli/status-fallback';

const grpc = (code: number, details: string) =>
  new ServiceError('Failed to query Workflow', {
    cause: Object.assign(new Error(details), { code, details }),
  });

describe('status without a worker', () => {
  it('falls back when no worker answered, and not for a bad request or an unknown order', () => {
    expect(unansweredReason(grpc(4, 'query timed out before a worker could process it'))).toBe(
      'query timed out before a worker could process it, gRPC code 4',
    );
    expect(unansweredReason(grpc(8, 'consistent query buffer is full'))).toMatch(/buffer/);
    expect(unansweredReason(grpc(5, 'workflow not found'))).toBeNull();
    expect(unansweredReason(grpc(3, 'bad query'))).toBeNull();
    expect(unansweredReason(new Error('boom'))).toBeNull();
  });

  it('says plainly that no worker polls, and shows what the server knows', () => {
    const view: ServerView = {
      orderId: 'SO/1',
      queryError: 'query timed out, gRPC code 4',
      taskQueue: 'ordersync',
      lastPollAt: null,
      run: {
        status: 'RUNNING',
        runId: 'r',
        startTime: '2026-11-25T12:00:00.000Z',
        closeTime: null,
      },
      historyLength: 12,
      summary: 'Order SO/1 · store',
      state: 'blocked',
      channel: 'store',
      pendingActivities: [],
      pendingSignals: [
        { name: 'events', events: 'v3 invoice_creation', at: '2026-11-25T12:01:00.000Z' },
      ],
      timeline: [{ at: '2026-11-25T12:00:01.000Z', summary: 'apply v1 order_creation' }],
      workflowTaskWaitingSince: '2026-11-25T12:01:00.000Z',
    };
    const text = formatServerView(view);
    expect(text.split('\n')[0]).toBe(
      'No worker is polling the task queue "ordersync": the status query went unanswered (query timed out, gRPC code 4; no poll seen recently).',
    );
    expect(text).toContain('SO/1 (store): blocked');
    expect(text).toContain('signals not yet taken by a worker: 1');
    expect(text).toContain('2026-11-25T12:01:00.000Z  events: v3 invoice_creation');
    expect(text).toContain('2026-11-25T12:00:01.000Z  apply v1 order_creation');
    expect(text).toContain('once the ERP data is fixed: ordersync replay SO/1');
  });
});
