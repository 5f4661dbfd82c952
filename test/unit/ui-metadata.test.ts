import { describe, expect, it } from 'vitest';
import type { PollReport } from '../../activities/poll-erp';
import type { OrderSyncStatus, TargetOrderState } from '../../src/contracts/workflow-types';
import {
  applySummary,
  deadLetterSummary,
  erpReadSummary,
  formatDuration,
  idleCloseSummary,
  invoiceWaitSummary,
  LastErrorClock,
  orderDetails,
  orderSummary,
  replayCommand,
  SUMMARY_MAX_CHARS,
} from '../../workflows/order-details';
import { pollDetails } from '../../workflows/poll-details';
import { orderHistory } from '../support/order-events';

const ORDER = 'SO/2025-26/000123';
const status = (over: Partial<OrderSyncStatus> = {}): OrderSyncStatus => ({
  orderId: ORDER,
  channel: 'store',
  state: 'updated',
  applied: 3,
  skipped: 1,
  pending: [],
  lastError: null,
  erpVersion: 3,
  ...over,
});
const target: TargetOrderState = {
  exists: true,
  erpVersion: 4,
  snapshotVersion: 3,
  lastEventType: 'invoice_creation',
  invoiced: true,
};

describe('order workflow summaries', () => {
  it('names the order and its channel at start', () => {
    expect(orderSummary(ORDER, 'store')).toBe('Order SO/2025-26/000123 · store');
  });

  it('names each applied event by version and type, in version order', () => {
    const [c, u, i] = orderHistory(ORDER, 1);
    expect(applySummary([i!, u!])).toBe('apply v2 order_updation, v3 invoice_creation');
    expect(applySummary([c!, u!, i!], { replay: true, supersede: [c!.eventId] })).toBe(
      'replay apply v2 order_updation, v3 invoice_creation (1 superseded)',
    );
  });

  it('bounds a long batch: the first four named, the rest counted', () => {
    const events = orderHistory(ORDER, 60);
    const s = applySummary(events);
    expect(s).toBe(
      'apply v1 order_creation, v2 order_updation, v3 order_updation, v4 order_updation, +58 more to v62',
    );
    expect(s.length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
  });

  it('summarises ERP reads, DLQ writes and timers', () => {
    expect(erpReadSummary(1)).toBe('replay: read ERP from v1');
    expect(deadLetterSummary(3, 'blocked-order-overflow')).toBe(
      'DLQ 3 events · blocked-order-overflow',
    );
    expect(deadLetterSummary(1, 'x')).toBe('DLQ 1 event · x');
    expect(invoiceWaitSummary(3_600_000)).toBe('invoice wait 1h');
    expect(idleCloseSummary(86_400_000)).toBe('idle close 24h');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(90 * 60_000)).toBe('1.5h');
    expect(formatDuration(250)).toBe('250ms');
  });

  it('quotes an order id the shell would split in the replay command', () => {
    expect(replayCommand(ORDER)).toBe('ordersync replay SO/2025-26/000123');
    expect(replayCommand("SO 1 #ü'x")).toBe(`ordersync replay 'SO 1 #ü'\\''x'`);
    expect(replayCommand('-SO-1')).toBe('ordersync replay -- -SO-1');
  });
});

describe('order workflow current details', () => {
  it('shows state, snapshot, last applied version and counts', () => {
    const md = orderDetails(status({ state: 'invoiced' }), target, null);
    expect(md).toBe(
      [
        '- **State:** invoiced',
        '- **Snapshot:** v3 · last applied v4 invoice_creation',
        '- **Pending events:** 0',
        '- **Applied / skipped:** 3 / 1',
      ].join('\n'),
    );
  });

  it('lists pending events and says when nothing is in MySQL yet', () => {
    const pending = [{ eventId: 'e1', type: 'invoice_creation' as const, erpVersion: 2 }];
    const md = orderDetails(status({ state: 'new', pending }), null, null);
    expect(md).toContain('- **Snapshot:** none in MySQL yet');
    expect(md).toContain('- **Pending events:** 1 (v2 invoice_creation)');
  });

  it('shows a blocked order: its reason, since when, and the exact replay command', () => {
    const reason = 'InvalidOrderDataError: total 666.00 does not match its lines';
    const since = Date.UTC(2026, 10, 25, 12, 3, 4);
    const md = orderDetails(status({ state: 'blocked', lastError: reason }), target, since);
    expect(md.split('\n').slice(0, 3)).toEqual([
      '- **State:** blocked since 2026-11-25 12:03:04 UTC',
      `- **Reason:** ${reason}`,
      '- **Once the ERP data is fixed:** `ordersync replay SO/2025-26/000123`',
    ]);
    expect(md).toContain('- **Snapshot:** v3 · last applied v4 invoice_creation');
  });

  it('shows a last error on an order that is not blocked', () => {
    const md = orderDetails(status({ lastError: 'boom' }), target, null);
    expect(md.split('\n').at(-1)).toBe('- **Last error**: boom');
  });

  it('keeps one line per error and no customer data beyond what the reason holds', () => {
    const md = orderDetails(
      status({ state: 'blocked', lastError: `a\nb ${'x'.repeat(1000)}` }),
      null,
      null,
    );
    for (const line of md.split('\n')) expect(line.length).toBeLessThan(500);
    expect(md).not.toMatch(/Asha|@example/);
  });

  it('remembers since when the current error stands', () => {
    const clock = new LastErrorClock(null, null);
    expect(clock.observe(null, 1)).toBeNull();
    expect(clock.observe('boom', 2)).toBe(2);
    expect(clock.observe('boom', 5)).toBe(2);
    expect(clock.observe('other', 7)).toBe(7);
    expect(clock.observe(null, 9)).toBeNull();
    expect(new LastErrorClock('carried', 3).observe('carried', 10)).toBe(3);
  });
});

describe('poll workflow details', () => {
  it('shows rows read, produced and dead-lettered, the cursor and the gaps of the run', () => {
    const report: PollReport = {
      read: 120,
      produced: 118,
      deadLettered: 2,
      pages: 3,
      rereads: 0,
      positionBefore: 1000,
      gapsBefore: 1,
      position: 1120,
      gaps: 2,
      gapsDropped: 1,
      lateRows: 0,
    };
    expect(pollDetails(report)).toBe(
      [
        '- **Rows read:** 120 in 3 pages',
        '- **Produced:** 118',
        '- **Dead-lettered:** 2',
        '- **Cursor:** 1000 → 1120',
        '- **Gaps tracked:** 1 → 2, 1 dropped',
      ].join('\n'),
    );
  });

  it('adds how often the run re-read the change log while it watched, only when it did', () => {
    const report: PollReport = {
      read: 4,
      produced: 4,
      deadLettered: 0,
      pages: 7,
      rereads: 6,
      positionBefore: 10,
      gapsBefore: 0,
      position: 14,
      gaps: 0,
      gapsDropped: 0,
      lateRows: 0,
    };
    expect(pollDetails(report).split('\n').at(-1)).toBe(
      '- **Watched:** 6 re-reads after catching up',
    );
    // A report of an earlier release, decoded from its history, has no rereads.
    const { rereads: _, ...earlier } = report;
    expect(pollDetails(earlier as PollReport)).not.toContain('Watched');
  });
});
