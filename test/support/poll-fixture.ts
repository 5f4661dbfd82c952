import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'mysql2/promise';
import type { Config } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { initErpSchema } from '../../src/erp/simulator';
import { createKafka } from '../../src/kafka/client';

/** What a test of the poll activity needs: the ERP's writer and reader, the app database, Kafka. */
export interface PollFixture {
  kafka: Kafka;
  admin: Admin;
  /** The ERP owner's account: writes change-log rows. */
  writer: Pool;
  /** The read-only ERP account the poll uses. */
  reader: Pool;
  /** The app database (cursor, ledger). */
  app: Pool;
}

/** Migrates the app database, creates the ERP's tables and connects; close with `closePollFixture`. */
export async function openPollFixture(cfg: Config): Promise<PollFixture> {
  const kafka = createKafka(cfg, '-test');
  const admin = kafka.admin();
  await admin.connect();
  const migrator = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
  await migrate(migrator);
  await migrator.end();
  const writer = createPool(cfg.ORDERSYNC_ERP_WRITER_URL!, { connectionLimit: 2 });
  await initErpSchema(writer);
  return {
    kafka,
    admin,
    writer,
    reader: createPool(cfg.ORDERSYNC_ERP_URL, { connectionLimit: 2 }),
    app: createPool(cfg.ORDERSYNC_MYSQL_URL, { connectionLimit: 2 }),
  };
}

/** Deletes `topics`, then disconnects and ends every pool. */
export async function closePollFixture(
  f: PollFixture | undefined,
  topics: string[],
): Promise<void> {
  if (!f) return;
  await f.admin.deleteTopics({ topics }).catch(() => undefined);
  await f.admin.disconnect();
  await Promise.all([f.writer.end(), f.reader.end(), f.app.end()]);
}
