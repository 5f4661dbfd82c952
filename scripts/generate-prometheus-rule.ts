// Writes deploy/kubernetes/base/prometheus-rule.yaml from
// deploy/prometheus/alerts.yml. A PrometheusRule's spec holds the same `groups`
// as a Prometheus rule file, so the rule file's text is indented under `spec:`
// as it is, comments included. `--check` exits 1 when the file is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');
export const ALERTS = path.join(ROOT, 'deploy', 'prometheus', 'alerts.yml');
export const PROMETHEUS_RULE = path.join(
  ROOT,
  'deploy',
  'kubernetes',
  'base',
  'prometheus-rule.yaml',
);

export function renderPrometheusRule(alerts: string): string {
  const lines = alerts.replace(/\s+$/, '').split('\n');
  const body = lines.slice(lines.findIndex((l) => l.startsWith('groups:')));
  if (body.length === 0) throw new Error(`${ALERTS} has no top-level groups:`);
  return [
    '# Generated from deploy/prometheus/alerts.yml by `npm run deploy:rules`; edit that file instead.',
    'apiVersion: monitoring.coreos.com/v1',
    'kind: PrometheusRule',
    'metadata:',
    '  name: ordersync',
    'spec:',
    ...body.map((l) => (l === '' ? '' : `  ${l}`)),
    '',
  ].join('\n');
}

function main(): void {
  const want = renderPrometheusRule(readFileSync(ALERTS, 'utf8'));
  const rel = path.relative(ROOT, PROMETHEUS_RULE);
  if (process.argv.includes('--check')) {
    const have = readFileSync(PROMETHEUS_RULE, 'utf8');
    if (have !== want) {
      console.error(
        `${rel} is out of date with deploy/prometheus/alerts.yml; run \`npm run deploy:rules\``,
      );
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(PROMETHEUS_RULE, want);
  console.error(`wrote ${rel}`);
}

if (require.main === module) main();
