// SIGKILL of a consumer or worker at an exact point (src/chaos-hooks.ts); the
// supervisor restarts it without the fault.
import { eventually } from '../../test/support/env';
import { result, withTraffic } from '../harness';
import type { Scenario } from '../harness';

export const killAt =
  (point: string): Scenario =>
  async (p) => {
    const { report, recovery, produced } = await withTraffic(
      p,
      point.startsWith('consumer')
        ? { consumers: { consumer: `${point}:15` } }
        : { workers: { worker: `${point}:20` } },
      async () => {
        await eventually(async () => p.restarts.length > 0, 120_000, `the ${point} kill`);
      },
    );
    return result(p.name, report, produced, recovery, { notes: p.restarts });
  };
