import { describe, expect, it } from 'vitest';
import { retryingLine } from '../../src/cli/retrying-line';
import { registry } from '../../src/observability/metrics';
import { instrumentApply } from '../../src/observability/apply-metrics';
import { RetryingOrders, retryingOrders } from '../../src/observability/retrying-orders';
import type { ApplyInput, ApplyResult } from '../../src/contracts/workflow-types';

const T0 = Date.parse('2026-12-04T21:00:00Z');

describe('an apply that keeps failing', () => {
  it('counts an order once it has failed for a minute, until it succeeds or goes quiet', () => {
    const r = new RetryingOrders();
    r.failed('A', T0);
    r.failed('B', T0 + 30_000);
    expect(r.count(T0 + 59_000)).toBe(0);
    r.failed('A', T0 + 60_000);
    expect(r.count(T0 + 61_000)).toBe(1);
    r.settled('A');
    expect(r.count(T0 + 95_000)).toBe(1); // B, failing since T0 + 30 s
    // B not seen failing for more than two minutes: recovered on another worker, forgotten.
    expect(r.count(T0 + 30_000 + 121_000)).toBe(0);
    // A new failure after that starts a new period.
    r.failed('B', T0 + 200_000);
    expect(r.count(T0 + 230_000)).toBe(0);
  });

  it('feeds the gauge from the instrumented apply', async () => {
    let fail = true;
    const instrumented = instrumentApply({
      async applyOrderEvents(_input: ApplyInput): Promise<ApplyResult> {
        if (fail) throw new Error('connect ECONNREFUSED');
        return {
          outcomes: [],
          order: { exists: false, erpVersion: 0, lastEventType: null, invoiced: false },
        };
      },
    });
    const input = { orderId: 'gauge-order', events: [] };
    await expect(instrumented.applyOrderEvents(input)).rejects.toThrow('ECONNREFUSED');
    expect(retryingOrders.count(Date.now() + 61_000)).toBe(1);
    const gauge = await registry.getSingleMetric('ordersync_apply_retrying_orders')!.get();
    expect(gauge.values[0]?.value).toBe(0); // not yet a minute
    fail = false;
    await instrumented.applyOrderEvents(input);
    expect(retryingOrders.count(Date.now() + 61_000)).toBe(0);
  });

  it('is reported by `ordersync status` after a minute, with since when and for how long', () => {
    expect(retryingLine(null, T0)).toBeNull();
    expect(retryingLine(T0, T0 + 59_000)).toBeNull();
    expect(retryingLine(T0, T0 + 5 * 60_000)).toBe(
      'apply retrying since 2026-12-04 21:00:00 UTC (for 5m)',
    );
  });
});
