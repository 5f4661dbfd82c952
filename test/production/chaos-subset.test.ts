import { describe, expect, it } from 'vitest';
import { runScenario } from '../../chaos/scenarios';
import { expectCleanRun } from '../support/chaos-checks';
import { requireProductionTopology } from '../../chaos/topology';

// The production topology's faults that fit the CI budget: the broker leading
// the busiest partition and the Temporal server, each killed mid-burst. The
// other two (two brokers down, PostgreSQL restart) run in
// `npm run chaos -- --topology production`.
const SUBSET = ['kafka-leader-kill', 'temporal-server-kill'];

describe('chaos subset on the production topology', () => {
  it('runs on three brokers and the self-hosted Temporal server', async () => {
    expect(await requireProductionTopology()).toMatch(/^3 Kafka brokers, Temporal on postgres/);
  });

  for (const name of SUBSET) {
    it(`${name}: nothing lost, nothing applied twice, target equals the ERP`, async () => {
      expectCleanRun(await runScenario(name));
    }, 600_000);
  }
});
