import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../log';
import { registry } from './metrics';

/** One readiness check's answer; `detail` says what is wrong (or, when fine, what it saw). */
export interface CheckResult {
  ok: boolean;
  detail?: unknown;
}
export type Check = () => Promise<CheckResult> | CheckResult;

export interface ObservabilityOptions {
  /** `host:port` (port 0 picks a free one) or `off`. */
  address: string;
  log: Logger;
  /** Named checks; /readyz is 200 only when every one is ok. */
  readiness: Record<string, Check>;
  /** Work done before each scrape (refreshing gauges); failures are logged, the scrape still answers. */
  beforeScrape?: Array<() => Promise<void>>;
  /** Exposition text appended to ours (the Temporal SDK's metrics). */
  extraMetrics?: () => Promise<string>;
}

export interface ObservabilityServer {
  url: string;
  /** From now on /livez and /readyz answer 503: the process is shutting down. */
  setDraining(): void;
  close(): Promise<void>;
}

/** A check that does not answer in time has failed; a hung MySQL must not hang the probe. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const CHECK_TIMEOUT_MS = 2_000;

/** Parses `host:port` or `off`; throws with the expected form otherwise. */
export function parseMetricsAddress(value: string): { host: string; port: number } | null {
  if (value.trim().toLowerCase() === 'off') return null;
  const m = /^\[?([^\]\s]*)\]?:(\d{1,5})$/.exec(value.trim());
  if (!m || Number(m[2]) > 65535 || m[1] === '') {
    throw new Error(`metrics address "${value}" is not host:port (port 0 = any free port) or off`);
  }
  return { host: m[1]!, port: Number(m[2]) };
}

let defaultMetrics = false;

/**
 * Serves GET /metrics (Prometheus text), /livez and /readyz on one address.
 * Returns null when the address is `off`.
 */
export async function startObservabilityServer(
  opts: ObservabilityOptions,
): Promise<ObservabilityServer | null> {
  const bind = parseMetricsAddress(opts.address);
  if (!bind) {
    opts.log.info('metrics and health endpoints are off');
    return null;
  }
  if (!defaultMetrics) {
    collectDefaultMetrics({ register: registry });
    defaultMetrics = true;
  }
  let draining = false;
  let lastScrapeWarning = 0;

  const readiness = async () => {
    const checks: Record<string, CheckResult> = {};
    await Promise.all(
      Object.entries(opts.readiness).map(async ([name, check]) => {
        try {
          checks[name] = await withTimeout(Promise.resolve(check()), CHECK_TIMEOUT_MS, name);
        } catch (err) {
          checks[name] = { ok: false, detail: (err as Error).message };
        }
      }),
    );
    const ready = Object.values(checks).every((c) => c.ok);
    return { ready, checks };
  };

  const metrics = async () => {
    const results = await Promise.allSettled((opts.beforeScrape ?? []).map((f) => f()));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (failed.length > 0 && Date.now() - lastScrapeWarning > 60_000) {
      lastScrapeWarning = Date.now();
      opts.log.warn('some gauges could not be refreshed; they keep their last value', {
        errors: failed.map((e) => e.message),
      });
    }
    const own = await registry.metrics();
    const extra = opts.extraMetrics ? await opts.extraMetrics() : '';
    return own + (extra && !own.endsWith('\n') ? '\n' : '') + extra;
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'GET only' });
    if (path === '/livez') {
      return draining ? json(503, { status: 'draining' }) : json(200, { status: 'alive' });
    }
    if (path === '/readyz') {
      if (draining) return json(503, { status: 'draining' });
      readiness().then(
        ({ ready, checks }) =>
          json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks }),
        (err: unknown) => json(503, { status: 'not ready', error: (err as Error).message }),
      );
      return;
    }
    if (path === '/metrics') {
      metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`metrics failed: ${(err as Error).message}\n`);
        },
      );
      return;
    }
    json(404, { error: 'not found', paths: ['/metrics', '/livez', '/readyz'] });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(bind.port, bind.host, () => resolve());
  });
  // The probes must not keep a process alive that is otherwise done.
  server.unref();
  const { port } = server.address() as AddressInfo;
  const host = bind.host.includes(':') ? `[${bind.host}]` : bind.host;
  const url = `http://${host}:${port}`;
  opts.log.info('metrics and health endpoints listening', {
    metrics: `${url}/metrics`,
    livez: `${url}/livez`,
    readyz: `${url}/readyz`,
  });
  return {
    url,
    setDraining: () => {
      draining = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
