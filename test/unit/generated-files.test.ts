import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_DOC, renderConfigDoc } from '../../scripts/generate-config-docs';
import {
  ALERTS,
  PROMETHEUS_RULE,
  renderPrometheusRule,
} from '../../scripts/generate-prometheus-rule';

// Files generated from the code are committed; each must equal what its
// generator writes now, so the code and its reference cannot drift.
describe('generated files are current', () => {
  it('docs/configuration.md matches the config schema (`npm run docs:config`)', async () => {
    expect(readFileSync(CONFIG_DOC, 'utf8')).toBe(await renderConfigDoc());
  });

  it('the PrometheusRule matches deploy/prometheus/alerts.yml (`npm run deploy:rules`)', () => {
    expect(readFileSync(PROMETHEUS_RULE, 'utf8')).toBe(
      renderPrometheusRule(readFileSync(ALERTS, 'utf8')),
    );
  });
});
