// The shared servers go away under traffic: MySQL for 30 s, or a restart of
// Temporal (which keeps its SQLite file) or Kafka.
import { log, result, sleep, startDefault, withTraffic } from '../harness';
import type { Scenario } from '../harness';
import { startServers, stopServer } from '../servers';

/** Stops a server 3 s into the traffic and starts it again 3 s later. */
export const restartDuringTraffic =
  (server: 'temporal' | 'kafka'): Scenario =>
  async (p) => {
    const { report, recovery, produced } = await withTraffic(p, {}, async () => {
      await sleep(3000);
      log(`restarting ${server}`);
      await stopServer(server);
      await sleep(3000);
      startServers();
    });
    return result(p.name, report, produced, recovery, { notes: p.restarts });
  };

/** MySQL stopped for `seconds` with traffic in flight, then started again, and more traffic. */
export const mysqlDown =
  (seconds: number): Scenario =>
  async (p) => {
    await startDefault(p);
    await p.simulate({ orders: 40 });
    await sleep(1500); // let some of it be in flight
    log(`stopping MySQL for ${seconds} s`);
    await stopServer('mysql');
    await sleep(seconds * 1000);
    startServers();
    const back = Date.now();
    await p.simulate({ orders: 20 });
    const report = await p.converge();
    return result(p.name, report, await p.erpEvents(), (Date.now() - back) / 1000, {
      notes: p.restarts,
    });
  };

export const mysqlDown30s = mysqlDown(30);
