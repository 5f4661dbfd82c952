import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// promtool comes with Debian's `prometheus` package, which `scripts/infra.sh install` adds.
const DIR = path.join(__dirname, '..', '..', 'deploy', 'prometheus');

function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { cwd: DIR, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        'promtool is not installed; run `scripts/infra.sh install` (Debian prometheus)',
      );
    }
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

const ALERTS = [
  'OrdersyncPollerStalled',
  'OrdersyncPollGapsDropped',
  'OrdersyncPollLateRows',
  'OrdersyncConsumerLagGrowing',
  'OrdersyncBlockedOrders',
  'OrdersyncDeadLetters',
  'OrdersyncApplyErrorRatioHigh',
  'OrdersyncTargetDown',
  'OrdersyncReconcileDrift',
  'OrdersyncReconcileNotRunning',
];

describe('Prometheus alert rules and scrape config', () => {
  it('alerts.yml passes promtool check rules', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toContain(
      `SUCCESS: ${ALERTS.length} rules found`,
    );
  });

  it('prometheus.yml passes promtool check config', () => {
    expect(promtool('check', 'config', 'prometheus.yml')).toContain('SUCCESS');
  });

  it('every rule has a passing unit-test file', () => {
    const files = readdirSync(path.join(DIR, 'tests')).filter((f) => f.endsWith('.test.yml'));
    const out = promtool('test', 'rules', ...files.map((f) => path.join('tests', f)));
    expect(out).not.toContain('FAILED');
    expect(out.match(/SUCCESS/g)).toHaveLength(files.length);
    const tested = files.map((f) => readFileSync(path.join(DIR, 'tests', f), 'utf8')).join('\n');
    for (const alert of ALERTS)
      expect(tested, `no unit test for ${alert}`).toContain(`alertname: ${alert}`);
  });
});
