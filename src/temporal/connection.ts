import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { ConnectionOptions } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../config';
import { createDataConverter } from './data-converter';

type TlsSettings = Exclude<ConnectionOptions['tls'], boolean | null | undefined>;

function tlsSettings(cfg: Config): TlsSettings | undefined {
  const wantsTls =
    cfg.ORDERSYNC_TEMPORAL_TLS ||
    cfg.ORDERSYNC_TEMPORAL_TLS_CERT_FILE !== undefined ||
    cfg.ORDERSYNC_TEMPORAL_API_KEY !== undefined;
  if (!wantsTls) return undefined;
  const tls: TlsSettings = {};
  if (cfg.ORDERSYNC_TEMPORAL_TLS_SERVER_NAME)
    tls.serverNameOverride = cfg.ORDERSYNC_TEMPORAL_TLS_SERVER_NAME;
  if (cfg.ORDERSYNC_TEMPORAL_TLS_CA_FILE) {
    tls.serverRootCACertificate = readFileSync(cfg.ORDERSYNC_TEMPORAL_TLS_CA_FILE);
  }
  if (cfg.ORDERSYNC_TEMPORAL_TLS_CERT_FILE && cfg.ORDERSYNC_TEMPORAL_TLS_KEY_FILE) {
    tls.clientCertPair = {
      crt: readFileSync(cfg.ORDERSYNC_TEMPORAL_TLS_CERT_FILE),
      key: readFileSync(cfg.ORDERSYNC_TEMPORAL_TLS_KEY_FILE),
    };
  }
  return tls;
}

/** Options shared by the client connection and the worker's native connection. */
export function temporalConnectionOptions(
  cfg: Config,
): ConnectionOptions & NativeConnectionOptions {
  const tls = tlsSettings(cfg);
  return {
    address: cfg.ORDERSYNC_TEMPORAL_ADDRESS,
    ...(tls ? { tls } : {}),
    ...(cfg.ORDERSYNC_TEMPORAL_API_KEY ? { apiKey: cfg.ORDERSYNC_TEMPORAL_API_KEY } : {}),
  };
}

export async function createTemporalClient(cfg: Config): Promise<Client> {
  const connection = await Connection.connect({
    ...temporalConnectionOptions(cfg),
    connectTimeout: '10s',
  });
  return new Client({
    connection,
    namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
    dataConverter: createDataConverter(cfg),
  });
}

export async function createWorkerConnection(cfg: Config): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(cfg));
}
