import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registry } from '../../src/observability/metrics';

// docs/operations.md's metrics table names every metric the processes export,
// with its type, so an operator finds each failure mode's signal there.
const DOC = readFileSync(path.join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');

/** name → type, from the rows of the table under "## Metrics". */
function documented(): Map<string, string> {
  const section = DOC.slice(DOC.indexOf('## Metrics'), DOC.indexOf('## Alert rules'));
  const rows = [...section.matchAll(/^\| `(ordersync_[a-z_]+)`\s*\| (\w+)/gm)];
  return new Map(rows.map((m) => [m[1]!, m[2]!]));
}

describe("docs/operations.md's metrics table", () => {
  it('lists every application metric with its type', async () => {
    const exported: Array<[string, string]> = (await registry.getMetricsAsJSON()).map((m) => [
      m.name,
      String(m.type),
    ]);
    expect(exported.length).toBeGreaterThan(15);
    const table = documented();
    for (const [name, type] of exported) expect([name, table.get(name)]).toEqual([name, type]);
    expect([...table.keys()].sort()).toEqual(exported.map(([n]) => n).sort());
  });
});
