import type { History } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';

const { History: HistoryProto } = temporal.api.history.v1;
const { EventType } = temporal.api.enums.v1;

/**
 * One recorded workflow run as committed under test/histories/. The history is
 * the protobuf encoding (base64) made and read by @temporalio/proto itself:
 * the SDK's JSON helpers (historyToJSON/historyFromJSON) fail in this
 * dependency tree, because @temporalio/common and @temporalio/proto each carry
 * their own protobufjs copy. `eventTypes` lets a reviewer read the run.
 */
export interface HistoryFile {
  workflowId: string;
  runId: string;
  eventTypes: string[];
  historyProtoBase64: string;
}

export function encodeHistory(workflowId: string, runId: string, history: History): HistoryFile {
  const message = HistoryProto.fromObject(history);
  return {
    workflowId,
    runId,
    eventTypes: (message.events ?? []).map((e) =>
      String(EventType[e.eventType ?? 0]).replace(/^EVENT_TYPE_/, ''),
    ),
    historyProtoBase64: Buffer.from(HistoryProto.encode(message).finish()).toString('base64'),
  };
}

export function decodeHistory(file: HistoryFile): { workflowId: string; history: History } {
  return {
    workflowId: file.workflowId,
    history: HistoryProto.decode(Buffer.from(file.historyProtoBase64, 'base64')),
  };
}
