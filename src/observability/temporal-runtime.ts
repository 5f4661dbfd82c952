import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { withTimeout } from './http-server';
import { temporalLogger } from './sdk-logs';

/** A port the kernel has just handed out; the SDK binds it right after (a race only a busy host can lose). */
async function freeLoopbackPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * Installs the Temporal Runtime before any worker or native connection exists:
 * SDK, core, workflow and activity logs go to our logger, and with
 * `sdkMetrics` the SDK's Prometheus exporter listens on a private loopback
 * port. Returns a reader for that exporter's text, which our /metrics appends,
 * so one scrape per process sees both.
 */
export async function installTemporalRuntime(opts: {
  sdkMetrics: boolean;
}): Promise<(() => Promise<string>) | undefined> {
  const port = opts.sdkMetrics ? await freeLoopbackPort() : undefined;
  Runtime.install({
    logger: temporalLogger(),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) },
      ...(port !== undefined
        ? { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } }
        : {}),
    },
  });
  if (port === undefined) return undefined;
  const url = `http://127.0.0.1:${port}/metrics`;
  return async () => {
    try {
      const res = await withTimeout(fetch(url), 2_000, 'the Temporal SDK metrics exporter');
      return await res.text();
    } catch (err) {
      return `# Temporal SDK metrics unavailable: ${(err as Error).message.replace(/\n/g, ' ')}\n`;
    }
  };
}
