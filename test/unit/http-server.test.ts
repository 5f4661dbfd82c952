import { afterEach, describe, expect, it } from 'vitest';
import { buildRootLogger, createLogger, setRootLogger } from '../../src/log';
import { parseMetricsAddress, startObservabilityServer } from '../../src/observability/http-server';
import type { Check, ObservabilityServer } from '../../src/observability/http-server';

setRootLogger(buildRootLogger({ ORDERSYNC_LOG_LEVEL: 'silent' }));
const log = createLogger('test');
let server: ObservabilityServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function get(path: string) {
  const res = await fetch(`${server!.url}${path}`);
  const text = await res.text();
  return { status: res.status, text, type: res.headers.get('content-type') };
}

async function start(readiness: Record<string, Check>, extra?: () => Promise<string>) {
  server = await startObservabilityServer({
    address: '127.0.0.1:0',
    log,
    readiness,
    ...(extra ? { extraMetrics: extra } : {}),
  });
  return server!;
}

describe('metrics and health server', () => {
  it('parses addresses and refuses bad ones', () => {
    expect(parseMetricsAddress('off')).toBeNull();
    expect(parseMetricsAddress('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseMetricsAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    for (const bad of ['9464', 'localhost', 'host:99999', ':80'])
      expect(() => parseMetricsAddress(bad), bad).toThrow(/host:port/);
  });

  it('returns null and serves nothing when off', async () => {
    expect(await startObservabilityServer({ address: 'off', log, readiness: {} })).toBeNull();
  });

  it('answers /readyz 200 only when every check passes, naming the failing one', async () => {
    let mysqlUp = true;
    await start({
      worker: () => ({ ok: true, detail: 'RUNNING' }),
      mysql: async () => {
        if (!mysqlUp) throw new Error('connect ECONNREFUSED');
        return { ok: true };
      },
    });
    expect((await get('/livez')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.type).toContain('application/json');
    mysqlUp = false;
    const down = await get('/readyz');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.text)).toEqual({
      status: 'not ready',
      checks: {
        worker: { ok: true, detail: 'RUNNING' },
        mysql: { ok: false, detail: 'connect ECONNREFUSED' },
      },
    });
    expect((await get('/livez')).status).toBe(200);
  });

  it('fails a check that hangs instead of hanging the probe', async () => {
    await start({ hung: () => new Promise(() => undefined) });
    const t = Date.now();
    const r = await get('/readyz');
    expect(r.status).toBe(503);
    expect(r.text).toContain('did not answer within 2000 ms');
    expect(Date.now() - t).toBeLessThan(4000);
  }, 10_000);

  it('answers 503 draining on both probes once draining', async () => {
    const s = await start({ ok: () => ({ ok: true }) });
    s.setDraining();
    for (const p of ['/livez', '/readyz']) {
      const r = await get(p);
      expect(r.status).toBe(503);
      expect(JSON.parse(r.text)).toEqual({ status: 'draining' });
    }
  });

  it('serves our metrics followed by the extra exposition text, and 404 elsewhere', async () => {
    await start({}, async () => '# HELP temporal_x x\n# TYPE temporal_x counter\ntemporal_x 3\n');
    const m = await get('/metrics');
    expect(m.status).toBe(200);
    expect(m.type).toContain('text/plain');
    expect(m.text).toContain('# TYPE ordersync_events_applied_total counter');
    expect(m.text).toContain('process_cpu_user_seconds_total');
    expect(m.text.indexOf('temporal_x 3')).toBeGreaterThan(m.text.indexOf('ordersync_'));
    expect((await get('/nope')).status).toBe(404);
  });
});

describe('per-role export', () => {
  it('a consumer exports no worker metric and a worker no consumer metric', async () => {
    const { exportOnlyMetricsOf, registry } = await import('../../src/observability/metrics');
    const names = () => registry.getMetricsAsArray().map((m) => m.name);
    const before = names();
    exportOnlyMetricsOf('consumer');
    expect(names()).toContain('ordersync_consumer_lag');
    expect(names()).toContain('ordersync_dlq_messages_total');
    expect(names()).not.toContain('ordersync_poll_cursor_lag');
    expect(names()).not.toContain('ordersync_events_applied_total');
    expect(names().length).toBeLessThan(before.length);
  });
});
