import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import type { Config } from '../../src/config';
import { withDatabase } from '../../src/db/pool';

/**
 * Configuration for one test file: the test databases, and topics, task queue,
 * consumer group and Schedule unique to this run, so suites never see each
 * other's data. Needs the local servers (`npm test` starts them); it throws,
 * never skips, when their credentials are missing.
 */
export function testEnv(label: string): { env: NodeJS.ProcessEnv; cfg: Config; runId: string } {
  const base = loadConfig();
  const runId = `${label}-${randomUUID().slice(0, 8)}`;
  // Two checkouts sharing one set of local servers set different suffixes, so their
  // migrations never meet in one database (the databases must exist and be granted).
  const suffix = process.env.ORDERSYNC_TEST_DB_SUFFIX ?? '';
  const appDb = `ordersync_test${suffix}`;
  const erpDb = `erp_test${suffix}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ORDERSYNC_MYSQL_URL: withDatabase(base.ORDERSYNC_MYSQL_URL, appDb),
    ORDERSYNC_MYSQL_MIGRATE_URL: withDatabase(
      base.ORDERSYNC_MYSQL_MIGRATE_URL ?? base.ORDERSYNC_MYSQL_URL,
      appDb,
    ),
    ORDERSYNC_ERP_URL: withDatabase(base.ORDERSYNC_ERP_URL, erpDb),
    ORDERSYNC_ERP_WRITER_URL: withDatabase(base.ORDERSYNC_ERP_WRITER_URL ?? '', erpDb),
    ORDERSYNC_TOPIC_ONLINE: `t.${runId}.online`,
    ORDERSYNC_TOPIC_STORE: `t.${runId}.store`,
    ORDERSYNC_TOPIC_INTERNATIONAL: `t.${runId}.international`,
    ORDERSYNC_TOPIC_DLQ: `t.${runId}.dlq`,
    ORDERSYNC_TOPIC_PARTITIONS: '6',
    ORDERSYNC_TASK_QUEUE: `tq-${runId}`,
    ORDERSYNC_CONSUMER_GROUP: `cg-${runId}`,
    ORDERSYNC_SCHEDULE_ID: `poll-${runId}`,
    ORDERSYNC_CURSOR_NAME: `cursor-${runId}`,
  };
  return { env, cfg: loadConfig(env), runId };
}

export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
