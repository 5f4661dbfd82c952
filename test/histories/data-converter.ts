import type { DataConverter } from '@temporalio/common';
import { FAILURE_CONVERTER_PATH } from '../../src/temporal/data-converter';
import { AesGcmPayloadCodec } from '../../src/temporal/encryption-codec';

/**
 * The key the committed histories were encrypted with. It protects nothing: the
 * histories hold only test data, and committing it lets the replay test decode
 * them exactly as a production worker would decode its own.
 */
export const HISTORY_ENCRYPTION_KEYS =
  'histories-test:GT0ByAqFpHsUj9F6rLqfoStxeCmvZsXBq6euhu4mVOw=';

const [id, b64] = HISTORY_ENCRYPTION_KEYS.split(':') as [string, string];

/**
 * The data converter the committed histories were recorded with (the worker's,
 * with the key above), used by both the recorder and the replay test so the two
 * cannot disagree. After a change here, re-record (`npm run record-histories`).
 */
export const historyDataConverter: DataConverter = {
  payloadCodecs: [new AesGcmPayloadCodec([{ id, key: Buffer.from(b64, 'base64') }])],
  failureConverterPath: FAILURE_CONVERTER_PATH,
};
