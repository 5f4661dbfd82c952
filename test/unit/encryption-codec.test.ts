import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import type { EncryptionKey } from '../../src/config';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  MissingEncryptionKeyError,
  PayloadAuthenticationError,
} from '../../src/temporal/encryption-codec';

const key = (id: string): EncryptionKey => ({ id, key: randomBytes(32) });
const customer = { name: 'Marker Person', email: 'marker.person@example.com' };
const plain = (): Payload => defaultPayloadConverter.toPayload(customer);
const text = (p: Payload) => Buffer.from(p.data ?? []).toString('latin1');
const meta = (p: Payload, k: string) => new TextDecoder().decode(p.metadata?.[k]);

describe('AesGcmPayloadCodec', () => {
  it('round-trips a payload, metadata included, and stores no plaintext', async () => {
    const codec = new AesGcmPayloadCodec([key('k1')]);
    const [enc] = await codec.encode([plain()]);
    expect(meta(enc!, 'encoding')).toBe(ENCRYPTED_ENCODING);
    expect(meta(enc!, KEY_ID_METADATA)).toBe('k1');
    expect(text(enc!)).not.toContain('Marker');
    expect(text(enc!)).not.toContain('json/plain');
    const [dec] = await codec.decode([enc!]);
    expect(meta(dec!, 'encoding')).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(dec!)).toEqual(customer);
  });

  it('uses a fresh IV each time: equal inputs give different ciphertexts', async () => {
    const codec = new AesGcmPayloadCodec([key('k1')]);
    const [a, b] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('rotates: data under key A still decodes after B is put first, and new data uses B', async () => {
    const a = key('A');
    const b = key('B');
    const [underA] = await new AesGcmPayloadCodec([a]).encode([plain()]);
    const rotated = new AesGcmPayloadCodec([b, a]);
    const [underB] = await rotated.encode([plain()]);
    expect(meta(underB!, KEY_ID_METADATA)).toBe('B');
    const decoded = await rotated.decode([underA!, underB!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      customer,
      customer,
    ]);
  });

  it('names the key id when the key is missing', async () => {
    const [enc] = await new AesGcmPayloadCodec([key('gone-2025')]).encode([plain()]);
    const other = new AesGcmPayloadCodec([key('current')]);
    const err = await other.decode([enc!]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingEncryptionKeyError);
    expect((err as Error).message).toContain('"gone-2025"');
  });

  it('detects tampering with the ciphertext, the tag, or the key id', async () => {
    const k = key('k1');
    const codec = new AesGcmPayloadCodec([k, key('k2')]);
    const [enc] = await codec.encode([plain()]);
    const flip = (i: number): Payload => {
      const data = Buffer.from(enc!.data!);
      data[i] = data[i]! ^ 1;
      return { metadata: enc!.metadata, data };
    };
    for (const p of [flip(20), flip(enc!.data!.length - 1)])
      await expect(codec.decode([p])).rejects.toBeInstanceOf(PayloadAuthenticationError);
    const relabelled: Payload = {
      metadata: { ...enc!.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('k2') },
      data: enc!.data,
    };
    await expect(codec.decode([relabelled])).rejects.toBeInstanceOf(PayloadAuthenticationError);
    const truncated: Payload = { metadata: enc!.metadata, data: enc!.data!.subarray(0, 10) };
    await expect(codec.decode([truncated])).rejects.toBeInstanceOf(PayloadAuthenticationError);
  });

  it('passes plaintext payloads through decode, written before encryption was on', async () => {
    const codec = new AesGcmPayloadCodec([key('k1')]);
    const p = plain();
    const nothing = defaultPayloadConverter.toPayload(undefined);
    expect(await codec.decode([p, nothing])).toEqual([p, nothing]);
  });

  it('with encryption off, encodes nothing yet still decodes what listed keys encrypted', async () => {
    const k = key('k1');
    const [enc] = await new AesGcmPayloadCodec([k]).encode([plain()]);
    const off = new AesGcmPayloadCodec([k], { encrypt: false });
    const p = plain();
    expect(await off.encode([p])).toEqual([p]);
    expect(defaultPayloadConverter.fromPayload((await off.decode([enc!]))[0]!)).toEqual(customer);
  });
});
