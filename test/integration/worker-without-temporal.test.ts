import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate';
import { createPool } from '../../src/db/pool';
import { buildWorkflowBundle } from '../../src/temporal/workflow-bundle';
import { testEnv } from '../support/env';
import { freePort } from '../support/observed-process';

// A worker whose Temporal cannot be reached has already opened its MySQL and
// ERP pools, the probe server and the producer: runWorker must close them and
// reject with an error naming the address. It runs here without bin/ordersync,
// which exits on any failure by itself and would hide a handle left open: the
// process must end on its own once runWorker has rejected.
const ROOT = path.join(__dirname, '..', '..');
const RUN = `require('./src/worker')
  .runWorker(require('./src/config').loadConfig(), { maxConcurrentActivities: 1, maxCachedWorkflows: 10 })
  .catch((err) => { console.error(err.message); process.exitCode = 1; });`;

describe('a worker whose Temporal is unreachable', () => {
  it('closes what it opened and ends by itself with an error naming the Temporal address', async () => {
    const base = testEnv('no-temporal');
    const migrator = createPool(base.cfg.ORDERSYNC_MYSQL_MIGRATE_URL!, { connectionLimit: 1 });
    await migrate(migrator);
    await migrator.end();
    await buildWorkflowBundle();
    const address = `127.0.0.1:${await freePort()}`;
    const env = {
      ...base.env,
      ORDERSYNC_TEMPORAL_ADDRESS: address,
      ORDERSYNC_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
    };
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', RUN], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) =>
      child.once('exit', (c, s) => r([c, s])),
    );
    clearTimeout(killer);
    expect(signal).toBeNull(); // not killed by the 60 s guard: it exited by itself
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot connect to Temporal at ${address}`);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 120_000);
});
