import type { Payload, PayloadCodec } from '@temporalio/common';
import { defaultPayloadConverter, METADATA_ENCODING_KEY } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/** One history event with every payload decoded to its value and failures' messages restored. */
export interface DecodedHistoryEvent {
  eventId: number;
  eventTime: string | null;
  /** e.g. `WorkflowExecutionSignaled`. */
  eventType: string;
  attributes: Record<string, unknown>;
  /** The one-line summary the workflow gave the command (user metadata), when it gave one. */
  summary?: string;
}

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null;
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** A Payload, as protobufjs `toObject` leaves it: metadata of bytes, optional bytes data. */
function isPayload(v: unknown): v is Payload {
  if (!isRecord(v) || !isRecord(v.metadata) || isBytes(v.metadata)) return false;
  if (v.data !== undefined && !isBytes(v.data)) return false;
  return Object.values(v.metadata).every(isBytes);
}

/** What a payload holds, or a short description when it is not a JSON-family encoding. */
function payloadValue(p: Payload): unknown {
  try {
    return defaultPayloadConverter.fromPayload(p);
  } catch {
    const encoding = p.metadata?.[METADATA_ENCODING_KEY];
    return {
      undecodable: encoding ? new TextDecoder().decode(encoding) : 'unknown encoding',
      bytes: p.data?.length ?? 0,
    };
  }
}

/** Every payload below `node`, with the setter that replaces it by its value. */
function collect(node: unknown, found: { payload: Payload; set: (v: unknown) => void }[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => {
      if (isPayload(item)) found.push({ payload: item, set: (v) => (node[i] = v) });
      else collect(item, found);
    });
  } else if (isRecord(node) && !isBytes(node)) {
    for (const [k, item] of Object.entries(node)) {
      if (isPayload(item)) found.push({ payload: item, set: (v) => (node[k] = v) });
      else collect(item, found);
    }
  }
}

/** Failures encoded with `encodeCommonAttributes` get their message and stack trace back. */
function restoreFailureMessages(node: unknown): void {
  if (Array.isArray(node)) node.forEach(restoreFailureMessages);
  else if (isRecord(node) && !isBytes(node)) {
    const enc = node.encodedAttributes;
    if (isRecord(enc) && typeof enc.message === 'string') {
      node.message = enc.message;
      if (typeof enc.stack_trace === 'string') node.stackTrace = enc.stack_trace;
      delete node.encodedAttributes;
    }
    Object.values(node).forEach(restoreFailureMessages);
  }
}

function eventTypeName(t: unknown): string {
  if (typeof t !== 'string') return String(t);
  return t
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
}

function isoTime(t: unknown): string | null {
  if (!isRecord(t)) return null;
  const ms = Number(t.seconds ?? 0) * 1000 + Math.floor(Number(t.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

/**
 * Decodes a fetched history with the same codecs the workers use (applied in
 * reverse order, as the SDK does), so an operator can read it without the UI.
 */
export async function decodeHistory(
  history: temporal.api.history.v1.IHistory,
  codecs: readonly PayloadCodec[],
): Promise<DecodedHistoryEvent[]> {
  const out: DecodedHistoryEvent[] = [];
  for (const raw of history.events ?? []) {
    const event = temporal.api.history.v1.HistoryEvent.toObject(
      temporal.api.history.v1.HistoryEvent.fromObject(raw),
      { longs: String, enums: String },
    );
    const found: { payload: Payload; set: (v: unknown) => void }[] = [];
    collect(event, found);
    let payloads = found.map((f) => f.payload);
    for (const codec of [...codecs].reverse()) payloads = await codec.decode(payloads);
    payloads.forEach((p, i) => found[i]!.set(payloadValue(p)));
    restoreFailureMessages(event);
    const attrKey = Object.keys(event).find((k) => k.endsWith('EventAttributes'));
    const summary = isRecord(event.userMetadata) ? event.userMetadata.summary : undefined;
    out.push({
      eventId: Number(event.eventId),
      eventTime: isoTime(event.eventTime),
      eventType: eventTypeName(event.eventType),
      attributes: attrKey ? (event[attrKey] as Json) : {},
      ...(typeof summary === 'string' ? { summary } : {}),
    });
  }
  return out;
}
