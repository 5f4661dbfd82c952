import { isIP } from 'node:net';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../config';
import type { Config } from '../config';
import { createLogger } from '../log';
import { createCodecServer } from '../temporal/codec-server';
import { createPayloadCodec } from '../temporal/data-converter';

/** Whether `host` (as given to listen, IPv6 with or without brackets) only accepts local connections. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * Refuses a codec server that anyone beyond this host could ask to decrypt:
 * listening beyond loopback needs ORDERSYNC_CODEC_TOKEN, or the explicit
 * `--insecure-no-token` (say, behind a proxy that authenticates).
 */
export function assertCodecExposureAllowed(
  host: string,
  token: string | undefined,
  insecureNoToken: boolean,
): void {
  if (token !== undefined || insecureNoToken || isLoopbackHost(host)) return;
  throw new ConfigError(
    `ORDERSYNC_CODEC_TOKEN is not set, and the codec server would listen on ${host || 'every interface'}, ` +
      'beyond loopback: anyone who reaches it could decrypt every payload. Set ORDERSYNC_CODEC_TOKEN ' +
      '(at least 16 characters), listen on 127.0.0.1, or pass --insecure-no-token if something in ' +
      'front of it authenticates callers.',
    ['ORDERSYNC_CODEC_TOKEN', 'ORDERSYNC_CODEC_LISTEN'],
  );
}

/** Runs the codec server until SIGINT/SIGTERM. */
export async function runCodecServer(
  cfg: Config,
  listen: string = cfg.ORDERSYNC_CODEC_LISTEN,
  opts: { insecureNoToken?: boolean } = {},
): Promise<void> {
  const log = createLogger('codec-server');
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(listen.slice(colon + 1));
  assertCodecExposureAllowed(host, cfg.ORDERSYNC_CODEC_TOKEN, opts.insecureNoToken === true);
  const server = createCodecServer({
    codec: createPayloadCodec(cfg),
    corsOrigins: cfg.ORDERSYNC_CODEC_CORS_ORIGINS,
    token: cfg.ORDERSYNC_CODEC_TOKEN,
    maxBodyBytes: cfg.ORDERSYNC_CODEC_MAX_BODY_BYTES,
    log,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  log.info('codec server listening', {
    url: `http://${listen}`,
    corsOrigins: cfg.ORDERSYNC_CODEC_CORS_ORIGINS,
    token: cfg.ORDERSYNC_CODEC_TOKEN ? 'required' : 'not configured',
    encryptingKey:
      cfg.ORDERSYNC_ENCRYPTION === 'on' ? cfg.ORDERSYNC_ENCRYPTION_KEYS?.[0]?.id : null,
    keyIds: (cfg.ORDERSYNC_ENCRYPTION_KEYS ?? []).map((k) => k.id),
  });
  if (!cfg.ORDERSYNC_CODEC_TOKEN && !isLoopbackHost(host))
    log.warn(
      'listening beyond loopback without ORDERSYNC_CODEC_TOKEN (--insecure-no-token): anyone who reaches it can decrypt',
    );
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log.info('codec server stopped');
}

export function registerCodecServerCommand(program: Command, cfg: () => Config): void {
  program
    .command('codec-server')
    .description(
      'serve POST /encode and /decode for the Temporal UI and CLI, so they show decrypted payloads',
    )
    .addOption(
      new Option(
        '--listen <host:port>',
        'listen address (default: ORDERSYNC_CODEC_LISTEN)',
      ).argParser((v) => {
        if (!/^[^\s]+:\d{1,5}$/.test(v)) throw new InvalidArgumentError('must be host:port');
        return v;
      }),
    )
    .option(
      '--insecure-no-token',
      'allow listening beyond loopback without ORDERSYNC_CODEC_TOKEN (only behind a proxy that authenticates)',
    )
    .action(async (o: { listen?: string; insecureNoToken?: boolean }) => {
      const c = cfg();
      await runCodecServer(c, o.listen ?? c.ORDERSYNC_CODEC_LISTEN, {
        insecureNoToken: o.insecureNoToken === true,
      });
    });
}
