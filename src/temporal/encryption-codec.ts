import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { EncryptionKey } from '../config';

/** The `encoding` metadata value of a payload this codec encrypted. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key that encrypted a payload. */
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Thrown when a payload names a key id that is not (or no longer) configured. */
export class MissingEncryptionKeyError extends Error {
  override readonly name = 'MissingEncryptionKeyError';
  constructor(readonly keyId: string) {
    super(
      `payload was encrypted with key "${keyId}", which is not in ORDERSYNC_ENCRYPTION_KEYS; add it back (any position after the first) to read this data`,
    );
  }
}

/** Thrown when an encrypted payload fails GCM authentication: altered, truncated, or a different key under the same id. */
export class PayloadAuthenticationError extends Error {
  override readonly name = 'PayloadAuthenticationError';
  constructor(readonly keyId: string) {
    super(
      `encrypted payload failed authentication with key "${keyId}": it was altered, or that id names a different key than the one that encrypted it`,
    );
  }
}

/**
 * AES-256-GCM payload codec. Each payload, metadata included, is serialised and
 * encrypted with the first key under a fresh 96-bit IV; the key id rides in the
 * metadata (and is bound as additional authenticated data) so keys can rotate.
 * `data` is `iv ‖ ciphertext ‖ tag`. Payloads that are not ours pass through
 * decode unchanged, so history written before encryption stays readable.
 * Without an encrypting key (encryption off) encode passes through too.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, Buffer>;
  private readonly encryptWith: EncryptionKey | undefined;

  constructor(keys: readonly EncryptionKey[], opts: { encrypt: boolean } = { encrypt: true }) {
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
    this.encryptWith = opts.encrypt ? keys[0] : undefined;
    if (opts.encrypt && !this.encryptWith)
      throw new Error('AesGcmPayloadCodec needs at least one key to encrypt');
    for (const k of keys)
      if (k.key.length !== 32) throw new Error(`key "${k.id}" is not 32 bytes long`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const k = this.encryptWith;
    if (!k) return payloads;
    return payloads.map((p) => {
      const plain = temporal.api.common.v1.Payload.encode(p).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', k.key, iv);
      cipher.setAAD(utf8.encode(k.id));
      const body = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: utf8.encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: utf8.encode(k.id),
        },
        data: body,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const encoding = p.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || fromUtf8.decode(encoding) !== ENCRYPTED_ENCODING) return p;
      const idBytes = p.metadata?.[KEY_ID_METADATA];
      if (!idBytes) throw new Error(`an encrypted payload has no ${KEY_ID_METADATA} metadata`);
      const keyId = fromUtf8.decode(idBytes);
      const key = this.byId.get(keyId);
      if (!key) throw new MissingEncryptionKeyError(keyId);
      const data = p.data ?? new Uint8Array();
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadAuthenticationError(keyId);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(idBytes);
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
      } catch {
        throw new PayloadAuthenticationError(keyId);
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
