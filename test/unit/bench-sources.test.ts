import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  changeLogRows,
  countLedgerFaults,
  isRetryableWrite,
  resolveErpBench,
  retryDeadlock,
} from '../../bench/erp-fixture';
import { pacedSlices } from '../../bench/systems/pipeline-floor';
import { resolveTargetMapping } from '../../bench/target-mapping';

const REPO = path.join(__dirname, '..', '..');

// `npm run bench -- --erp … / --target …`: the parts that decide what is measured.
describe('bench --erp', () => {
  it('takes a shipped name or a mapping directory, and its fixture from the dialect', () => {
    expect(resolveErpBench('erpnext')).toEqual({
      mapping: path.join(REPO, 'mappings', 'erpnext'),
      fixture: 'erpnext',
    });
    expect(resolveErpBench(path.join(REPO, 'mappings', 'odoo')).fixture).toBe('odoo');
    expect(resolveErpBench(path.join(REPO, 'mappings', 'erpnext'), 'erpnext').fixture).toBe(
      'erpnext',
    );
  });

  it('refuses a directory without a manifest and a fixture of another dialect', () => {
    expect(() => resolveErpBench('/nonexistent')).toThrow(/no manifest.json/);
    expect(() => resolveErpBench(path.join(REPO, 'mappings', 'odoo'), 'erpnext')).toThrow(
      /written for postgres/,
    );
    expect(() => resolveErpBench('erpnext', 'sap')).toThrow(/--erp-fixture/);
  });

  it('copies each produced event of the prefix once, with its ERP marker as occurred_at', () => {
    const event = (eventId: string, orderId: string, erpVersion: number) =>
      JSON.stringify({
        eventId,
        orderId,
        channel: 'online',
        type: erpVersion === 1 ? 'order_creation' : 'order_updation',
        erpVersion,
        occurredAt: '2026-12-05T00:54:05.489Z',
        data: { status: 'confirmed' },
      });
    const rows = changeLogRows(
      [
        event('e1', 'B1-00001', 1),
        event('x1', 'B1W-00001', 1), // the warm-up's order: another prefix
        event('e2', 'B1-00001', 2),
        event('e1', 'B1-00001', 1), // produced again after a poll crash: same id
      ],
      'B1',
    );
    expect(rows).toEqual([
      [
        'e1',
        'B1-00001',
        'online',
        'order_creation',
        1,
        '2026-12-05 00:54:05.489',
        '{"status":"confirmed"}',
      ],
      [
        'e2',
        'B1-00001',
        'online',
        'order_updation',
        2,
        '2026-12-05 00:54:05.489',
        '{"status":"confirmed"}',
      ],
    ]);
  });

  it('counts a snapshot applied at or below the order’s highest as a violation, a repeated version also as a duplicate', () => {
    expect(
      countLedgerFaults([
        ['a', 1],
        ['b', 1],
        ['a', 3],
        ['b', 2],
      ]),
    ).toEqual({ violations: 0, duplicates: 0 });
    expect(
      countLedgerFaults([
        ['a', 1],
        ['a', 3],
        ['a', 2], // older than one applied before
        ['a', 3], // applied twice
      ]),
    ).toEqual({ violations: 2, duplicates: 1 });
  });

  it('runs an ERP transaction again after a deadlock, and nothing else', async () => {
    let calls = 0;
    await retryDeadlock(async () => {
      if (++calls < 3) throw Object.assign(new Error('deadlock'), { errno: 1213 });
    });
    expect(calls).toBe(3);
    expect(isRetryableWrite({ code: '40P01' })).toBe(true);
    let other = 0;
    await expect(
      retryDeadlock(async () => {
        other++;
        throw Object.assign(new Error('duplicate'), { errno: 1062 });
      }),
    ).rejects.toThrow('duplicate');
    expect(other).toBe(1);
    let always = 0;
    await expect(
      retryDeadlock(async () => {
        always++;
        throw Object.assign(new Error('deadlock'), { errno: 1213 });
      }, 3),
    ).rejects.toThrow('deadlock');
    expect(always).toBe(3);
  });
});

describe('bench --target', () => {
  it('takes magento or a directory with the mapping’s statements', () => {
    expect(resolveTargetMapping('magento')).toBe(path.join(REPO, 'mappings', 'targets', 'magento'));
    expect(resolveTargetMapping(path.join(REPO, 'mappings', 'targets', 'magento'))).toBe(
      path.join(REPO, 'mappings', 'targets', 'magento'),
    );
    expect(() => resolveTargetMapping('shopify')).toThrow(/no upsert_order.sql/);
  });
});

describe('bench: the pipeline floor in spread shape', () => {
  it('cuts the rows, in seq order, into one seq range per time slice of their ERP write time', () => {
    expect(
      pacedSlices(
        [
          { seq: 10, at: 5_000 },
          { seq: 11, at: 5_050 },
          { seq: 14, at: 5_120 },
          { seq: 15, at: 5_100 },
          { seq: 16, at: 7_000 },
          // committed after seq 16 but written a little before: it goes with the slice it follows
          { seq: 17, at: 6_990 },
        ],
        100,
      ),
    ).toEqual([
      [0, 10, 11],
      [100, 14, 15],
      [2000, 16, 17],
    ]);
    expect(pacedSlices([])).toEqual([]);
  });
});
