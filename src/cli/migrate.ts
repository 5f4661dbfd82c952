import type { Command } from 'commander';
import type { Config } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';

/** Applies the pending migrations with the migrator account (the app account when none is set). */
export async function runMigrations(
  cfg: Config,
  log: (m: string) => void,
  upTo?: number,
): Promise<void> {
  const pool = createPool(cfg.ORDERSYNC_MYSQL_MIGRATE_URL ?? cfg.ORDERSYNC_MYSQL_URL, {
    connectionLimit: 1,
  });
  try {
    const report = await migrate(pool, log, { upTo });
    log(
      `migrations: ${report.applied.length} applied, ${report.alreadyApplied.length} already in place; schema version ${report.version}`,
    );
  } finally {
    await pool.end();
  }
}

export function registerMigrateCommand(program: Command, cfg: () => Config): void {
  program
    .command('migrate')
    .description('apply the SQL migrations to the ordersync database')
    .option(
      '--to <version>',
      'stop after this migration number (a rolling upgrade runs --to 12 before the new workers, the rest after the old ones are gone)',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new Error(`--to: ${v} is not a migration number`);
        return n;
      },
    )
    .action(async (o: { to?: number }) => runMigrations(cfg(), (m) => console.log(m), o.to));
}
