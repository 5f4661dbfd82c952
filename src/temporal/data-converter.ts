import Module from 'node:module';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config';
import { RUNS_COMPILED } from '../package-root';
import { requireEncryptionKeys } from '../config';
import { createLogger } from '../log';
import { AesGcmPayloadCodec } from './encryption-codec';

/**
 * The module the worker `require()`s, and the workflow bundle includes, for the
 * failure converter. Pass it as `failureConverterPath` to `bundleWorkflowCode`
 * when pre-building a bundle.
 */
export const FAILURE_CONVERTER_PATH = path.join(
  __dirname,
  `failure-converter${path.extname(__filename)}`,
);

/**
 * The worker loads FAILURE_CONVERTER_PATH with Node's own `require`. `bin/ordersync`
 * has registered tsx for `.ts` already; test runners and scripts started another
 * way have not, so register it here once.
 */
function ensureTypeScriptRequire(): void {
  if (RUNS_COMPILED) return; // the converter is a .js file next to this one
  const extensions = (Module as unknown as { _extensions: Record<string, unknown> })._extensions;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!('.ts' in extensions)) require('tsx/cjs');
}

/** The payload codec alone, for the codec server and for decoding fetched histories. */
export function createPayloadCodec(cfg: Config): AesGcmPayloadCodec {
  return new AesGcmPayloadCodec(requireEncryptionKeys(cfg), {
    encrypt: cfg.ORDERSYNC_ENCRYPTION === 'on',
  });
}

/**
 * The data converter every Temporal client and worker of ordersync uses:
 * AES-256-GCM over every payload, failures' messages included. With
 * ORDERSYNC_ENCRYPTION=off nothing new is encrypted (a warning says so at
 * every start), yet payloads under any listed key still decode.
 */
export function createDataConverter(cfg: Config): DataConverter {
  const codec = createPayloadCodec(cfg);
  if (cfg.ORDERSYNC_ENCRYPTION === 'off') {
    createLogger('temporal').warn(
      'ORDERSYNC_ENCRYPTION=off: customer data is written to Temporal in plaintext',
    );
  }
  ensureTypeScriptRequire();
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}
