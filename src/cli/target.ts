import type { Command } from 'commander';
import type { Config } from '../config';
import { createPool } from '../db/pool';
import { checkTarget } from '../target/check';
import { createTarget } from '../target/create-target';

/** `ordersync target check`: is the configured target (built-in or a mapping) usable? */
export function registerTargetCommands(program: Command, cfg: () => Config): void {
  const target = program.command('target').description('the target the apply writes to');
  target
    .command('check')
    .description(
      'check the bookkeeping schema version and the target, then run every target statement for one sample order per event type in a transaction that is rolled back; exit 0 only when all succeed',
    )
    .action(async () => {
      const config = cfg();
      const t = createTarget(config); // an unknown parameter fails here (exit 78), naming the file
      const pool = createPool(config.ORDERSYNC_MYSQL_URL, { connectionLimit: 1 });
      try {
        const steps = await checkTarget(pool, t);
        console.log(
          `target: ${t.kind}${config.ORDERSYNC_TARGET_MAPPING ? ` (${config.ORDERSYNC_TARGET_MAPPING})` : ''}`,
        );
        for (const s of steps) console.log(`${s.ok ? 'ok  ' : 'FAIL'} ${s.step}: ${s.detail}`);
        if (steps.some((s) => !s.ok)) process.exitCode = 1;
      } finally {
        await pool.end();
      }
    });
}
