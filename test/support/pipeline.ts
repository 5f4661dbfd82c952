/**
 * One isolated ordersync pipeline on the real local servers, shared by the e2e
 * tests, the chaos scenarios and the benchmark: migrated test databases, this
 * run's own topics, task queue, consumer group, Schedule and poll cursor (set
 * to the current end of the shared change log), a Temporal client, worker and
 * consumer processes, the ERP simulator, the oracle and the DLQ reader.
 */
import type { ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { loadConfig } from '../../src/config';
import type { Config } from '../../src/config';
import { readDlq } from '../../src/kafka/dlq-reader';
import { startProcess, stopProcess } from '../../src/cli/processes';
import { CursorRepository } from '../../src/db/cursor-repository';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { initErpSchema, simulate } from '../../src/erp/simulator';
import type { SimulateOptions } from '../../src/erp/simulator';
import { createKafka } from '../../src/kafka/client';
import { ensureTopics, topicsFromConfig } from '../../src/kafka/topics';
import { createTemporalClient } from '../../src/temporal/connection';
import { upsertPollSchedule } from '../../src/temporal/schedule';
import { buildWorkflowBundle } from '../../src/temporal/workflow-bundle';
import { createTarget } from '../../src/target/create-target';
import { installMappingFixture } from '../../src/target/demo-targets';
import type { Target } from '../../src/target/port';
import { verifyThroughTarget } from '../../src/target/verify-target';
import { verify } from '../../src/verify';
import type { VerifyReport } from '../../src/verify';
import { eventually, testEnv } from './env';

export interface PipelineOptions {
  /** Connections of the ERP writer pool the simulator uses (default 8). */
  writerConnections?: number;
  /** Partitions of this run's topics; also passed to the processes (default from testEnv). */
  topicPartitions?: number;
  /**
   * A target mapping directory: its fixture tables are created, the processes
   * write through it (`ORDERSYNC_TARGET=sql`) and the oracle reads the target
   * through its read_order.sql. Default: the built-in tables.
   */
  targetMapping?: string;
}

export type Role = 'worker' | 'consumer';

export class TestPipeline {
  private readonly running = new Set<ChildProcess>();

  private constructor(
    readonly label: string,
    readonly cfg: Config,
    readonly env: NodeJS.ProcessEnv,
    readonly runId: string,
    readonly writer: Pool,
    readonly reader: Pool,
    readonly app: Pool,
    readonly kafka: Kafka,
    readonly client: Client,
    /** The target the processes write, which the oracle reads. */
    readonly target: Target,
  ) {}

  static async create(label: string, opts: PipelineOptions = {}): Promise<TestPipeline> {
    const base = testEnv(label);
    const extra: NodeJS.ProcessEnv = {
      ...(opts.topicPartitions && { ORDERSYNC_TOPIC_PARTITIONS: String(opts.topicPartitions) }),
      ...(opts.targetMapping && {
        ORDERSYNC_TARGET: 'sql',
        ORDERSYNC_TARGET_MAPPING: opts.targetMapping,
      }),
    };
    const env = { ...base.env, ...extra };
    const cfg = loadConfig(env);
    // Worker processes load the pre-built bundle; rebuild it if the sources changed.
    await buildWorkflowBundle();
    const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
    await migrate(migrator);
    await migrator.end();
    if (opts.targetMapping)
      await installMappingFixture(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, opts.targetMapping);
    const writer = createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, {
      connectionLimit: opts.writerConnections ?? 8,
    });
    const reader = createPool(cfg.ORDERSYNC_ERP_URL, { connectionLimit: 2 });
    const app = createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 });
    await initErpSchema(writer);
    // Start this run's cursor at the current end of the shared test change log.
    const [top] = await reader.query<RowDataPacket[]>(
      'SELECT COALESCE(MAX(seq), 0) AS s FROM order_events',
    );
    await new CursorRepository(app).save(cfg.ORDERSYNC_CURSOR_NAME, {
      position: Number(top[0]!.s),
      gaps: [],
    });
    const kafka = createKafka(cfg, `-${label}`);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, topicsFromConfig(cfg), cfg.ORDERSYNC_TOPIC_PARTITIONS);
    await admin.disconnect();
    const client = await createTemporalClient(cfg);
    const target = createTarget(cfg);
    return new TestPipeline(
      label,
      cfg,
      env,
      base.runId,
      writer,
      reader,
      app,
      kafka,
      client,
      target,
    );
  }

  /** Starts `ordersync <role>` as its own process with this pipeline's environment plus `extraEnv`. */
  start(role: Role, extraEnv: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): ChildProcess {
    const child = startProcess(role, [], { ...this.env, ...extraEnv }, nodeArgs);
    this.running.add(child);
    child.once('exit', () => this.running.delete(child));
    return child;
  }

  async stop(child: ChildProcess): Promise<void> {
    await stopProcess(child);
  }

  /** Creates (or updates) this run's ERP poll Schedule. */
  async schedule(everyMs = 1000): Promise<void> {
    await upsertPollSchedule(this.client, {
      scheduleId: this.cfg.ORDERSYNC_SCHEDULE_ID,
      taskQueue: this.cfg.ORDERSYNC_TASK_QUEUE,
      everyMs,
      catchupWindowMs: 60_000,
    });
  }

  /** Writes simulated ERP traffic through this pipeline's writer pool. */
  simulate(opts: Partial<SimulateOptions>) {
    return simulate(this.writer, opts);
  }

  /**
   * The oracle for orders whose id starts with `prefix` (see src/verify.ts);
   * under a mapping it reads the target through the mapping's read_order.sql.
   */
  verify(prefix: string): Promise<VerifyReport> {
    if (this.target.kind === 'sql')
      return verifyThroughTarget(this.reader, this.app, prefix, this.target);
    return verify(this.reader, this.app, prefix);
  }

  /**
   * Waits until the target equals the ERP for `prefix` and every ERP event has a
   * ledger row. Fails at once if one of `watch.alive` exits; `watch.progress`
   * sees every intermediate report.
   */
  async converge(
    prefix: string,
    timeoutMs: number,
    what: string,
    watch: { alive?: Iterable<ChildProcess>; progress?: (r: VerifyReport) => void } = {},
  ): Promise<VerifyReport> {
    return eventually(
      async () => {
        for (const c of watch.alive ?? [])
          if (c.exitCode !== null) throw new Error(`a child process exited with ${c.exitCode}`);
        const r = await this.verify(prefix);
        watch.progress?.(r);
        return r.unaccounted === 0 && r.mismatched.length === 0 ? r : undefined;
      },
      timeoutMs,
      what,
    );
  }

  /** Events in the ERP change log for `prefix`. */
  async erpEvents(prefix: string): Promise<number> {
    const [r] = await this.reader.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM order_events WHERE order_id LIKE ?',
      [`${prefix}%`],
    );
    return Number(r[0]?.n ?? 0);
  }

  /** Every message in this run's DLQ now, read without joining a group. */
  async deadLetters(): Promise<KafkaMessage[]> {
    const kafka = createKafka(this.cfg, '-dlq-reader');
    return (await readDlq(kafka, topicsFromConfig(this.cfg).dlq)).map((e) => e.message);
  }

  /** Deletes the Schedule, stops the processes, deletes the topics and closes every connection. */
  async close(): Promise<void> {
    await this.client.schedule
      .getHandle(this.cfg.ORDERSYNC_SCHEDULE_ID)
      .delete()
      .catch(() => undefined);
    await Promise.all([...this.running].map(stopProcess));
    const admin = this.kafka.admin();
    await admin.connect();
    await admin
      .deleteTopics({ topics: Object.values<string>({ ...topicsFromConfig(this.cfg) }) })
      .catch(() => undefined);
    await admin.disconnect();
    await this.client.connection.close();
    await Promise.all([this.writer.end(), this.reader.end(), this.app.end()]);
  }
}
