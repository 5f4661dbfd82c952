import { z } from 'zod';

/** Logging and the metrics/health endpoint. */
export const observabilityEnv = z.object({
  // Read by src/log.ts straight from the process environment; validated here so a typo fails at boot.
  ORDERSYNC_LOG_LEVEL: z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
    .default('info'),
  ORDERSYNC_LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  ORDERSYNC_METRICS_ADDRESS: z
    .string()
    .regex(/^(off|\[?[^\s\]]+\]?:\d{1,5})$/, 'must be host:port (port 0 = a free port) or off')
    .default('127.0.0.1:0'),
});
