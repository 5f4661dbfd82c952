import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCodecServer,
  payloadsFromJson,
  payloadsToJson,
} from '../../src/temporal/codec-server';
import { AesGcmPayloadCodec } from '../../src/temporal/encryption-codec';
import type { Logger } from '../../src/log';

// The codec server over real HTTP on an ephemeral loopback port: the protocol the
// Temporal UI and CLI speak, CORS, the bearer token and the body limit.
const UI = 'http://127.0.0.1:8233';
const TOKEN = 'test-token-0123456789abcdef';
const MARKER = { name: 'Codec Marker', email: 'codec.marker@example.test' };
const logged: string[] = [];
const record = (m: string, f?: object) => {
  logged.push(`${m} ${JSON.stringify(f)}`);
};
const log: Logger = {
  trace: record,
  debug: record,
  info: record,
  warn: record,
  error: record,
  isLevelEnabled: () => true,
};
const codec = new AesGcmPayloadCodec([{ id: 'http-test', key: randomBytes(32) }]);
const servers: Server[] = [];

async function serve(token?: string): Promise<string> {
  const server = createCodecServer({
    codec,
    corsOrigins: [UI, 'http://localhost:8233'],
    token,
    maxBodyBytes: 64 * 1024,
    log,
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let open = '';
let secured = '';
beforeAll(async () => {
  open = await serve();
  secured = await serve(TOKEN);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const markerPayloads = () => payloadsToJson([defaultPayloadConverter.toPayload(MARKER)]);

describe('codec server over HTTP', () => {
  it('encodes and decodes Payloads JSON, at any path depth', async () => {
    const enc = await post(`${open}/encode`, markerPayloads());
    expect(enc.status).toBe(200);
    const encoded = (await enc.json()) as ReturnType<typeof payloadsToJson>;
    const encodedText = JSON.stringify(encoded);
    expect(encodedText).not.toContain(Buffer.from('Codec Marker').toString('base64'));
    const raw = payloadsFromJson(encoded);
    expect(new TextDecoder().decode(raw[0]!.metadata!.encoding)).toBe('binary/encrypted');
    expect(Buffer.from(raw[0]!.data!).toString('latin1')).not.toContain('Codec Marker');

    const dec = await post(`${open}/some/prefix/decode`, encoded);
    expect(dec.status).toBe(200);
    const decoded = payloadsFromJson((await dec.json()) as ReturnType<typeof payloadsToJson>);
    expect(defaultPayloadConverter.fromPayload(decoded[0]!)).toEqual(MARKER);
  });

  it('answers a CORS preflight from the UI origin, with the headers the UI sends', async () => {
    const res = await fetch(`${open}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace,authorization',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    const allowed = res.headers.get('access-control-allow-headers') ?? '';
    for (const h of ['content-type', 'x-namespace', 'authorization']) expect(allowed).toContain(h);
    const post2 = await post(`${open}/decode`, { payloads: [] }, { origin: UI });
    expect(post2.headers.get('access-control-allow-origin')).toBe(UI);
  });

  it('refuses a preflight and a request from any other origin', async () => {
    const res = await fetch(`${open}/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const direct = await post(`${open}/decode`, markerPayloads(), {
      origin: 'https://evil.example',
    });
    expect(direct.status).toBe(403);
  });

  it('requires the bearer token when one is configured', async () => {
    expect((await post(`${secured}/encode`, markerPayloads())).status).toBe(401);
    const wrong = await post(`${secured}/encode`, markerPayloads(), {
      authorization: `Bearer ${TOKEN.replace(/.$/, 'x')}`,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    const ok = await post(`${secured}/encode`, markerPayloads(), {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(ok.status).toBe(200);
    // A preflight carries no credentials, so it must pass without the token.
    const pre = await fetch(`${secured}/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI, 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
  });

  it('refuses a body over the limit with 413', async () => {
    const big = { payloads: [{ metadata: {}, data: 'A'.repeat(100 * 1024) }] };
    expect((await post(`${open}/encode`, big)).status).toBe(413);
  });

  it('gives 400 naming the key id for a payload under an unknown key, and for bad JSON', async () => {
    const foreign = new AesGcmPayloadCodec([{ id: 'retired-key', key: randomBytes(32) }]);
    const enc = await foreign.encode([defaultPayloadConverter.toPayload(MARKER)]);
    const res = await post(`${open}/decode`, payloadsToJson(enc));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('"retired-key"');
    const bad = await post(`${open}/decode`, `{"payloads": "${MARKER.email}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toContain(MARKER.email);
  });

  it('never logs payload contents', () => {
    expect(logged.length).toBeGreaterThan(5);
    const all = logged.join('\n');
    for (const s of [MARKER.name, MARKER.email, Buffer.from(MARKER.email).toString('base64')])
      expect(all).not.toContain(s);
  });
});
