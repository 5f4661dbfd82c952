import { InvalidArgumentError, Option } from 'commander';
import { parseMetricsAddress } from '../observability/http-server';

/** `--metrics-address`, shared by the long-running commands; overrides ORDERSYNC_METRICS_ADDRESS. */
export function metricsAddressOption(): Option {
  return new Option(
    '--metrics-address <host:port|off>',
    '/metrics, /livez and /readyz (port 0 = a free port, logged at start; default from ORDERSYNC_METRICS_ADDRESS, else 127.0.0.1:0)',
  ).argParser((v: string) => {
    try {
      parseMetricsAddress(v);
      return v;
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  });
}
