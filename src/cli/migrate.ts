import type { Command } from 'commander';
import type { Config } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';

/** Applies the pending migrations with the migrator account (the app account when none is set). */
export async function runMigrations(cfg: Config, log: (m: string) => void): Promise<void> {
  const pool = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL ?? cfg.ORDERSYNC_MYSQL_URL, {
    connectionLimit: 1,
  });
  try {
    const report = await migrate(pool, log);
    log(
      `migrations: ${report.applied.length} applied, ${report.alreadyApplied.length} already in place`,
    );
  } finally {
    await pool.end();
  }
}

export function registerMigrateCommand(program: Command, cfg: () => Config): void {
  program
    .command('migrate')
    .description('apply the SQL migrations to the ordersync database')
    .action(async () => runMigrations(cfg(), (m) => console.log(m)));
}
