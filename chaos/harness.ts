/**
 * What every chaos scenario stands on: a TestPipeline (test/support) whose
 * worker and consumer processes run under a small supervisor that restarts
 * what dies, as systemd or Kubernetes would, plus the shared result shape.
 */
import type { ChildProcess } from 'node:child_process';
import type { KafkaMessage } from 'kafkajs';
import type { SimulateOptions } from '../src/erp/simulator';
import { SHIPPED_MAPPINGS } from '../src/target/demo-targets';
import type { ShippedMapping } from '../src/target/demo-targets';
import type { VerifyReport } from '../src/verify';
import { stopProcess } from '../src/cli/processes';
import { TestPipeline } from '../test/support/pipeline';
import type { Role } from '../test/support/pipeline';

export const SYSTEMS = ['ordersync', 'seed', 'old'] as const;
export type SystemName = (typeof SYSTEMS)[number];

/** Where a chaos pipeline writes: the built-in tables, or a shipped target mapping (`--target magento`). */
export type ChaosTarget = 'builtin' | ShippedMapping;
export const CHAOS_TARGETS: readonly ChaosTarget[] = [
  'builtin',
  ...(Object.keys(SHIPPED_MAPPINGS) as ShippedMapping[]),
];

export function parseChaosTarget(name: string): ChaosTarget {
  if (!(CHAOS_TARGETS as readonly string[]).includes(name))
    throw new Error(`unknown target "${name}"; one of ${CHAOS_TARGETS.join(', ')}`);
  return name as ChaosTarget;
}

export interface ChaosOptions {
  /** The target the pipeline writes and the oracle reads (default builtin). */
  target?: ChaosTarget;
}

/**
 * One system under one scenario. The five oracle counts (src/verify.ts) are
 * null when the scenario does not apply to the system; `reason` says why.
 */
export interface ScenarioResult {
  system: SystemName;
  scenario: string;
  applicable: boolean;
  reason?: string;
  /** Snapshots applied after a newer one of the same order. */
  violations: number | null;
  /** Orders whose final target row is not the ERP's latest snapshot. */
  staleAtEnd: number | null;
  /** ERP events with no row in the system's apply log. */
  lost: number | null;
  /** Events applied more than once. */
  appliedTwice: number | null;
  /** ERP invoices missing from the target. */
  missingInvoices: number | null;
  produced: number;
  applied: number;
  skipped: number;
  dlq: number;
  duplicates: number;
  recoverySeconds: number;
  pass: boolean;
  notes: string[];
  /** The closing reconcile check's drift by kind (chaos/reconcile-check.ts); absent when it did not run. */
  reconcileDrift?: Record<string, number>;
  /** Orders the scenario sent straight to Kafka, not through the ERP (the reconcile check expects them as orphans). */
  notInErp?: string[];
}

export const log = (msg: string) => process.stderr.write(`[chaos] ${msg}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One isolated pipeline: its own processes, supervised so that a crashed or killed one is started again. */
export class ChaosPipeline {
  readonly children = new Map<string, ChildProcess>();
  readonly restarts: string[] = [];
  private supervising = true;
  // The base pipeline's servers and configuration, under the names scenarios use.
  readonly cfg: TestPipeline['cfg'];
  readonly env: TestPipeline['env'];
  readonly client: TestPipeline['client'];
  readonly writer: TestPipeline['writer'];
  readonly reader: TestPipeline['reader'];
  readonly app: TestPipeline['app'];
  readonly kafka: TestPipeline['kafka'];

  private constructor(
    readonly name: string,
    readonly base: TestPipeline,
    readonly prefix: string,
  ) {
    ({
      cfg: this.cfg,
      env: this.env,
      client: this.client,
      writer: this.writer,
      reader: this.reader,
      app: this.app,
      kafka: this.kafka,
    } = base);
  }

  static async create(name: string, opts: ChaosOptions = {}): Promise<ChaosPipeline> {
    const target = opts.target ?? 'builtin';
    const base = await TestPipeline.create(`chaos-${name}`, {
      ...(target !== 'builtin' && { targetMapping: SHIPPED_MAPPINGS[target] }),
    });
    return new ChaosPipeline(name, base, `C${base.runId.replace(/[^A-Za-z0-9]/g, '').slice(-12)}`);
  }

  /** The target the processes write and the oracle reads. */
  get target() {
    return this.base.target;
  }

  /** The oracle for this pipeline's orders, through its target. */
  verify() {
    return this.base.verify(this.prefix);
  }

  /** Starts `ordersync <role>` under supervision; `fault` arms a chaos hook in that process only. */
  start(id: string, role: Role, fault?: string) {
    this.supervise(id, fault, (env) => this.base.start(role, env));
  }

  /**
   * Runs `spawn(env)` as process `id` and starts it again, without the fault,
   * whenever it exits until close().
   */
  supervise(
    id: string,
    fault: string | undefined,
    spawn: (extraEnv: NodeJS.ProcessEnv) => ChildProcess,
  ) {
    const child = spawn(fault ? { ORDERSYNC_CHAOS_FAULT: fault } : {});
    this.children.set(id, child);
    child.once('exit', (code, signal) => {
      if (!this.supervising || this.children.get(id) !== child) return;
      this.restarts.push(`${id} exited (${signal ?? code}); restarted`);
      log(`${this.name}: ${id} exited (${signal ?? code}); restarting it without the fault`);
      setTimeout(() => this.supervising && this.supervise(id, undefined, spawn), 500);
    });
  }

  async stop(id: string) {
    const child = this.children.get(id);
    this.children.delete(id);
    if (child) await this.base.stop(child);
  }

  schedule() {
    return this.base.schedule(1000);
  }

  simulate(opts: Partial<SimulateOptions>) {
    return this.base.simulate({ prefix: this.prefix, concurrency: 4, ...opts });
  }

  /** Waits until the target equals the ERP for this prefix and every ERP event has a ledger row. */
  converge(timeoutMs = 240_000): Promise<VerifyReport> {
    return this.base.converge(this.prefix, timeoutMs, `${this.name} to converge`);
  }

  erpEvents(): Promise<number> {
    return this.base.erpEvents(this.prefix);
  }

  dlq(): Promise<KafkaMessage[]> {
    return this.base.deadLetters();
  }

  async close() {
    this.supervising = false;
    await Promise.all([...this.children.values()].map((c) => stopProcess(c)));
    await this.base.close();
  }
}

export type Scenario = (p: ChaosPipeline) => Promise<ScenarioResult>;

/** The five counts every system is judged by, from the oracle's report. */
export function oracleCounts(report: VerifyReport) {
  return {
    violations: report.orderingViolations,
    staleAtEnd: report.staleOrders,
    lost: report.unaccounted,
    appliedTwice: report.duplicates,
    missingInvoices: report.missingInvoices,
  };
}

/** A scenario's result from the oracle's report; `extra.pass` adds the scenario's own checks. */
export function result(
  name: string,
  report: VerifyReport,
  produced: number,
  recoverySeconds: number,
  extra: Partial<ScenarioResult> = {},
): ScenarioResult {
  const lost = report.unaccounted;
  const pass =
    report.mismatched.length === 0 &&
    report.duplicates === 0 &&
    report.orderingViolations === 0 &&
    lost === 0 &&
    (extra.pass ?? true);
  return {
    system: 'ordersync',
    scenario: name,
    applicable: true,
    ...oracleCounts(report),
    produced,
    applied: report.appliedEvents,
    skipped: report.skippedEvents,
    dlq: extra.dlq ?? 0,
    duplicates: report.duplicates,
    recoverySeconds: Math.round(recoverySeconds * 10) / 10,
    pass,
    ...(extra.notInErp ? { notInErp: extra.notInErp } : {}),
    notes: [
      ...(extra.notes ?? []),
      ...(report.orderingViolations > 0
        ? [`${report.orderingViolations} ordering violations`]
        : []),
    ],
  };
}

/** Standard shape: start processes, fault during traffic, converge. */
export async function withTraffic(
  p: ChaosPipeline,
  setup: {
    consumers?: Record<string, string | undefined>;
    workers?: Record<string, string | undefined>;
  },
  fault: (traffic: Promise<unknown>) => Promise<void>,
  traffic: Partial<SimulateOptions> = { orders: 60, rate: 40 },
) {
  for (const [id, f] of Object.entries(setup.workers ?? { worker: undefined }))
    p.start(id, 'worker', f);
  for (const [id, f] of Object.entries(setup.consumers ?? { consumer: undefined }))
    p.start(id, 'consumer', f);
  await p.schedule();
  const sim = p.simulate(traffic);
  await fault(sim);
  await sim;
  const faultEnd = Date.now();
  const report = await p.converge();
  return { report, recovery: (Date.now() - faultEnd) / 1000, produced: await p.erpEvents() };
}

/** Starts the usual worker and consumer and the poll Schedule, for scenarios that drive traffic themselves. */
export async function startDefault(p: ChaosPipeline) {
  p.start('worker', 'worker');
  p.start('consumer', 'consumer');
  await p.schedule();
}
