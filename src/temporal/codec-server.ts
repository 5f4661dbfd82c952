import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import type { Logger } from '../log';

/** Options of the codec HTTP server; every field comes from the Config in production. */
export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Browser origins allowed to call the server (the Temporal UI's origin). */
  corsOrigins: readonly string[];
  /** When set, every encode/decode request must carry `Authorization: Bearer <token>`. */
  token?: string | undefined;
  maxBodyBytes: number;
  log: Logger;
}

/** Payloads as protobuf JSON, the body of the codec protocol: bytes fields in base64. */
const payloadsJson = z.object({
  payloads: z.array(
    z.object({
      metadata: z.record(z.string(), z.string()).optional(),
      data: z.string().optional(),
    }),
  ),
});
type PayloadsJson = z.infer<typeof payloadsJson>;

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

export function payloadsFromJson(body: PayloadsJson): Payload[] {
  return body.payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, unb64(v)])),
    data: unb64(p.data ?? ''),
  }));
}

export function payloadsToJson(payloads: Payload[]): PayloadsJson {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
      data: b64(p.data ?? new Uint8Array()),
    })),
  };
}

/** Thrown while reading a request body that exceeds the limit. */
class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > limit) throw new BodyTooLargeError();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * The Temporal codec server protocol: `POST …/encode` and `POST …/decode` take
 * and return Payloads as protobuf JSON; only the last path segment is looked at,
 * so a proxy may mount it under any prefix. The UI sends `X-Namespace` and,
 * with "pass access token", an `Authorization` header, so CORS allows both.
 * Logs name the route, status and payload count, never a payload.
 */
export function createCodecServer(opts: CodecServerOptions): Server {
  const allowed = new Set(opts.corsOrigins);
  return createServer((req, res) => {
    const started = Date.now();
    let payloadCount = 0;
    const route = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '').split('/').pop() ?? '';
    const send = (status: number, body?: unknown) => {
      if (body === undefined) res.writeHead(status).end();
      else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      opts.log.info('request', {
        method: req.method,
        route,
        status,
        payloads: payloadCount,
        ms: Date.now() - started,
      });
    };
    void handle(req, res, route, send, (n) => (payloadCount = n)).catch((err: unknown) => {
      if (err instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        send(413, { error: `request body is larger than ${opts.maxBodyBytes} bytes` });
        req.resume();
      } else if (!res.headersSent) {
        // Codec errors name a key id at most; they never quote payload data.
        send(400, { error: (err as Error).message });
      }
    });
  });

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    send: (status: number, body?: unknown) => void,
    counted: (n: number) => void,
  ): Promise<void> {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!allowed.has(origin)) return send(403, { error: 'origin not allowed' });
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      res.setHeader('access-control-max-age', '600');
      return send(204);
    }
    if (req.method === 'GET' && route === 'health') return send(200, { status: 'ok' });
    if (route !== 'encode' && route !== 'decode') return send(404, { error: 'not found' });
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST, OPTIONS');
      return send(405, { error: 'use POST' });
    }
    if (opts.token !== undefined && !tokenMatches(req.headers.authorization, opts.token)) {
      res.setHeader('www-authenticate', 'Bearer');
      return send(401, { error: 'a valid bearer token is required' });
    }
    const raw = await readBody(req, opts.maxBodyBytes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      // JSON.parse's message quotes the body, which may hold customer data.
      return send(400, { error: 'body is not valid JSON' });
    }
    const body = payloadsJson.safeParse(parsed);
    if (!body.success)
      return send(400, { error: 'body must be {"payloads":[{"metadata":{…},"data":"…"}]}' });
    const payloads = payloadsFromJson(body.data);
    counted(payloads.length);
    const out =
      route === 'encode' ? await opts.codec.encode(payloads) : await opts.codec.decode(payloads);
    send(200, payloadsToJson(out));
  }
}
