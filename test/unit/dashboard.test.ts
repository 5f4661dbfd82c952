import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registry } from '../../src/observability/metrics';

const DEPLOY = path.join(__dirname, '..', '..', 'deploy');

/** ordersync_ metric names used in a text, with histogram suffixes folded into the family. */
function usedNames(text: string): string[] {
  const names = text.match(/ordersync_[a-z_]+/g) ?? [];
  return [...new Set(names.map((n) => n.replace(/_(bucket|count|sum)$/, '')))];
}

describe('the dashboard and the alert rules use only metrics that exist', () => {
  const defined = new Set(registry.getMetricsAsArray().map((m) => m.name));

  it('dashboard is valid JSON whose every panel has a query', () => {
    const dash = JSON.parse(
      readFileSync(path.join(DEPLOY, 'grafana', 'ordersync-dashboard.json'), 'utf8'),
    ) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    expect(dash.panels.length).toBeGreaterThan(5);
    for (const p of dash.panels) expect(p.targets.length, p.title).toBeGreaterThan(0);
    const used = usedNames(JSON.stringify(dash));
    expect(used.length).toBeGreaterThanOrEqual(12);
    for (const n of used) expect(defined, `dashboard uses unknown ${n}`).toContain(n);
  });

  it('alerts.yml names only defined metrics', () => {
    const used = usedNames(readFileSync(path.join(DEPLOY, 'prometheus', 'alerts.yml'), 'utf8'));
    for (const n of used) expect(defined, `alerts.yml uses unknown ${n}`).toContain(n);
  });
});
