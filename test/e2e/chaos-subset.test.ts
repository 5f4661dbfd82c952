import { describe, it } from 'vitest';
import { runScenario } from '../../chaos/scenarios';
import { expectCleanRun } from '../support/chaos-checks';

// The part of `npm run chaos` that fits in a few minutes: process kills at the
// exact points that matter, a consumer fenced out of its group by a stall,
// duplicate delivery, a poison order, the bad-input corpus and the query
// source's late-committing ERP transaction (ERPNext fixture). Server restarts
// and the 30 s MySQL outage run in the full `npm run chaos`.
const SUBSET = [
  'consumer-kill-before-signal',
  'consumer-kill-after-signal',
  'worker-kill-in-apply-tx',
  'worker-kill-after-apply-commit',
  'consumer-stall',
  'duplicates',
  'poison',
  'bad-input',
  'query-late-marker',
];

describe('chaos subset', () => {
  for (const name of SUBSET) {
    it(`${name}: nothing lost, nothing applied twice, target equals the ERP`, async () => {
      expectCleanRun(await runScenario(name));
    }, 400_000);
  }
});
