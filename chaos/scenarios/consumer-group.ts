// Consumer-group membership changes: a member joins and another leaves, or a
// member freezes past its session and is fenced out.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { dataDir } from '../../src/config';
import { log, result, sleep, withTraffic } from '../harness';
import type { Scenario } from '../harness';

export const rebalance: Scenario = async (p) => {
  const { report, recovery, produced } = await withTraffic(
    p,
    { consumers: { first: undefined } },
    async () => {
      await sleep(3000);
      log('second consumer joins');
      p.start('second', 'consumer');
      await sleep(5000);
      log('first consumer leaves');
      await p.stop('first');
    },
  );
  return result(p.name, report, produced, recovery, { notes: p.restarts });
};

// A member that freezes (a long GC pause, a paused VM) between a hand-over and
// its commit, for longer than its 10 s session, is fenced out of the group;
// when it wakes, its heartbeats and its commit are refused. It must rejoin by
// itself rather than crash, and nothing may be lost or applied twice.
export const consumerStall: Scenario = async (p) => {
  // Consumers append to one log; this run's part starts at its current end.
  const logFile = path.join(dataDir(), 'logs', 'consumer.log');
  const logFrom = existsSync(logFile) ? statSync(logFile).size : 0;
  const { report, recovery, produced } = await withTraffic(
    p,
    { consumers: { first: 'consumer-after-signal:15:stall-15000', second: undefined } },
    // The fault is armed in the first consumer's environment; traffic alone triggers it.
    async () => undefined,
    { orders: 120, rate: 6 },
  );
  const stalled = readFileSync(logFile)
    .subarray(logFrom)
    .toString()
    .includes('[chaos] stall at consumer-after-signal over');
  const alive = p.restarts.length === 0;
  return result(p.name, report, produced, recovery, {
    pass: alive && stalled,
    notes: [
      stalled
        ? 'the first consumer stalled 15 s after its 15th hand-over'
        : 'THE STALL NEVER HAPPENED',
      alive ? 'no process crashed' : `processes restarted: ${p.restarts.join('; ')}`,
    ],
  });
};
