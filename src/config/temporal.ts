import { z } from 'zod';
import { ConfigError } from './config-error';
import { bool, hostPort } from './values';

/** The Temporal connection: address, namespace, task queue, API key and TLS. */
export const temporalEnv = z.object({
  ORDERSYNC_TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  ORDERSYNC_TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  ORDERSYNC_TASK_QUEUE: z.string().min(1).default('ordersync'),
  ORDERSYNC_TEMPORAL_UI_URL: z.string().url().default('http://127.0.0.1:8233'),
  ORDERSYNC_TEMPORAL_API_KEY: z.string().min(1).optional(),
  ORDERSYNC_TEMPORAL_TLS: bool.default(false),
  ORDERSYNC_TEMPORAL_TLS_CERT_FILE: z.string().min(1).optional(),
  ORDERSYNC_TEMPORAL_TLS_KEY_FILE: z.string().min(1).optional(),
  ORDERSYNC_TEMPORAL_TLS_CA_FILE: z.string().min(1).optional(),
  ORDERSYNC_TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
});

/** mTLS needs the client certificate and its key together. */
export function checkTemporalEnv(cfg: z.infer<typeof temporalEnv>): void {
  const tlsFiles = [cfg.ORDERSYNC_TEMPORAL_TLS_CERT_FILE, cfg.ORDERSYNC_TEMPORAL_TLS_KEY_FILE];
  if (tlsFiles.filter(Boolean).length === 1) {
    throw new ConfigError(
      'ORDERSYNC_TEMPORAL_TLS_CERT_FILE and ORDERSYNC_TEMPORAL_TLS_KEY_FILE must be set together',
      ['ORDERSYNC_TEMPORAL_TLS_CERT_FILE', 'ORDERSYNC_TEMPORAL_TLS_KEY_FILE'],
    );
  }
}
