import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { Config } from '../config';
import { createLogger } from '../log';
import { createCodecServer } from '../temporal/codec-server';
import { createPayloadCodec } from '../temporal/data-converter';

/** Runs the codec server until SIGINT/SIGTERM. */
export async function runCodecServer(
  cfg: Config,
  listen: string = cfg.ORDERSYNC_CODEC_LISTEN,
): Promise<void> {
  const log = createLogger('codec-server');
  const server = createCodecServer({
    codec: createPayloadCodec(cfg),
    corsOrigins: cfg.ORDERSYNC_CODEC_CORS_ORIGINS,
    token: cfg.ORDERSYNC_CODEC_TOKEN,
    maxBodyBytes: cfg.ORDERSYNC_CODEC_MAX_BODY_BYTES,
    log,
  });
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon);
  const port = Number(listen.slice(colon + 1));
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
  if (!cfg.ORDERSYNC_CODEC_TOKEN && !['127.0.0.1', 'localhost', '::1'].includes(host))
    log.warn(
      'listening beyond loopback without ORDERSYNC_CODEC_TOKEN: anyone who reaches it can decrypt',
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
    .action(async (o: { listen?: string }) => {
      const c = cfg();
      await runCodecServer(c, o.listen ?? c.ORDERSYNC_CODEC_LISTEN);
    });
}
