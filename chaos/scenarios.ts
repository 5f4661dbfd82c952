/**
 * Fault scenarios against the real local servers. Each one runs its own
 * pipeline (processes, topics, task queue, Schedule, order-id prefix; see
 * harness.ts) while the simulator writes ERP traffic, injects one fault, waits
 * for the pipeline to converge, and asks the oracle whether every event had
 * exactly one effect. Each scenario lives in its own file under scenarios/.
 */
import { ChaosPipeline, log } from './harness';
import type { ChaosOptions, Scenario, ScenarioResult } from './harness';
import { reconcileCheck } from './reconcile-check';
import { badInput } from './scenarios/bad-input';
import { bulkErpTransaction } from './scenarios/bulk-transaction';
import { channelChange } from './scenarios/channel-change';
import { consumerStall, rebalance } from './scenarios/consumer-group';
import { foreignKeyPoison } from './scenarios/foreign-key-poison';
import { poison } from './scenarios/poison';
import { killAt } from './scenarios/process-kills';
import {
  kafkaLeaderKill,
  kafkaTwoBrokersDown,
  postgresRestart,
  temporalServerKill,
} from './scenarios/production-faults';
import { queryLateMarker } from './scenarios/query-late-marker';
import { duplicates, lateCommits } from './scenarios/redelivery';
import { mysqlDown30s, restartDuringTraffic } from './scenarios/server-faults';

export type { ScenarioResult } from './harness';

export const SCENARIOS: Record<string, Scenario> = {
  'consumer-kill-before-signal': killAt('consumer-before-signal'),
  'consumer-kill-after-signal': killAt('consumer-after-signal'),
  'worker-kill-in-apply-tx': killAt('worker-in-apply-tx'),
  'worker-kill-after-apply-commit': killAt('worker-after-apply-commit'),
  'mysql-down-30s': mysqlDown30s,
  'temporal-restart': restartDuringTraffic('temporal'),
  'kafka-restart': restartDuringTraffic('kafka'),
  rebalance,
  'consumer-stall': consumerStall,
  duplicates,
  'late-commits': lateCommits,
  'channel-change': channelChange,
  poison,
  'bad-input': badInput,
  'bulk-erp-transaction': bulkErpTransaction,
  'query-late-marker': queryLateMarker('erpnext'),
  'query-late-marker-odoo': queryLateMarker('odoo'),
};

/**
 * Faults of the production topology (three brokers, Temporal's own server on
 * PostgreSQL); they run, after the ones above, with `--topology production`.
 */
export const PRODUCTION_SCENARIOS: Record<string, Scenario> = {
  'kafka-leader-kill': kafkaLeaderKill,
  'kafka-two-brokers-down': kafkaTwoBrokersDown,
  'temporal-server-kill': temporalServerKill,
  'postgres-restart': postgresRestart,
};

/**
 * Scenarios whose oracle compares an ERP fixture with the built-in tables
 * (src/erp/query/compare-target.ts): they test the query source's reading,
 * not the target, and run without --target only.
 */
export const BUILTIN_TARGET_ONLY: ReadonlySet<string> = new Set([
  'query-late-marker',
  'query-late-marker-odoo',
]);

/** Faults that only a target mapping has (its own constraints); they run with `--target magento`. */
export const MAPPING_SCENARIOS: Record<string, Scenario> = {
  'foreign-key-poison': foreignKeyPoison,
};

const ALL: Record<string, Scenario> = {
  ...SCENARIOS,
  ...PRODUCTION_SCENARIOS,
  ...MAPPING_SCENARIOS,
};

/**
 * Runs one scenario on its own pipeline. `scenario` runs a variant under the
 * name (a shorter outage in a test); by default the name's own scenario runs.
 */
export async function runScenario(
  name: string,
  opts: ChaosOptions = {},
  scenario: Scenario | undefined = ALL[name],
): Promise<ScenarioResult> {
  if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(ALL).join(', ')}`);
  log(`--- ${name}${opts.target && opts.target !== 'builtin' ? ` (target ${opts.target})` : ''}`);
  const p = await ChaosPipeline.create(name, opts);
  try {
    const r = await scenario(p);
    // A scenario over another ERP ran its own check while its ERP side was open.
    if (r.reconcileDrift) return r;
    const rc = await reconcileCheck(p, new Set(r.notInErp ?? []));
    return {
      ...r,
      reconcileDrift: rc.counts,
      pass: r.pass && rc.pass,
      notes: [...r.notes, rc.note],
    };
  } catch (err) {
    return {
      system: 'ordersync',
      scenario: name,
      applicable: true,
      violations: -1,
      staleAtEnd: -1,
      lost: -1,
      appliedTwice: -1,
      missingInvoices: -1,
      produced: await p.erpEvents().catch(() => 0),
      applied: 0,
      skipped: 0,
      dlq: 0,
      duplicates: -1,
      recoverySeconds: -1,
      pass: false,
      notes: [`scenario failed: ${(err as Error).message}`],
    };
  } finally {
    await p.close().catch((err: unknown) => log(`cleanup of ${name}: ${(err as Error).message}`));
  }
}
