// One ERP transaction of 20,000 change-log rows committed after later ones (issue 30, defect 1).
import { bulkTransactionDuring, BULK_NOTE } from '../bulk-transaction';
import { result, startDefault } from '../harness';
import type { Scenario } from '../harness';

export const bulkErpTransaction: Scenario = async (p) => {
  await startDefault(p);
  const sim = p.simulate({ orders: 20, rate: 40 });
  await bulkTransactionDuring(p.writer, p.prefix, sim);
  const committed = Date.now();
  // 20,000 events at once: more time than a scenario of ordinary traffic needs.
  const report = await p.converge(900_000);
  return result(p.name, report, await p.erpEvents(), (Date.now() - committed) / 1000, {
    notes: [BULK_NOTE],
  });
};
