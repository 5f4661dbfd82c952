/**
 * `ordersync status` when no worker answers the status query: what the
 * Temporal server itself knows of the order's workflow. The workflow's live
 * state (its queue, last error, current details) lives in worker memory; the
 * server holds the run's status, the search attributes, the summaries the
 * workflow gave its commands, and the signals no workflow task has taken yet.
 */
import { ServiceError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Config } from '../config';
import { ORDER_CHANNEL, ORDER_SYNC_STATE } from '../contracts/search-attributes';
import { createPayloadCodec } from '../temporal/data-converter';
import { decodeHistory } from '../temporal/history';
import type { DecodedHistoryEvent } from '../temporal/history';
import { namedEvents, replayCommand } from '../../workflows/order-details';

/**
 * Exit status of `ordersync status` when no worker answered and the server's
 * view was printed instead (69, EX_UNAVAILABLE in sysexits.h).
 */
export const EXIT_NO_WORKER = 69;
/** How long `status` waits for a worker to answer its query. */
export const STATUS_QUERY_TIMEOUT_MS = 5_000;
/** Timeline summaries shown, the most recent last. */
const TIMELINE_LINES = 8;

/**
 * gRPC codes that say something other than "no worker answered": a bad
 * request (INVALID_ARGUMENT), an unknown workflow (NOT_FOUND), or missing
 * rights (PERMISSION_DENIED, UNAUTHENTICATED). Every other failed query (it
 * timed out, no poller was seen, the dead worker's sticky queue, an earlier
 * unanswered query still filling the buffer) falls back to the server's view;
 * a server that is down fails there with its own error.
 */
const NOT_ABOUT_WORKERS = new Set([3, 5, 7, 16]);

/** Why a status query went unanswered by any worker, or null when it failed for another reason. */
export function unansweredReason(err: unknown): string | null {
  if (!(err instanceof ServiceError)) return null;
  const cause = err.cause as { code?: unknown; details?: unknown } | undefined;
  const code = Number(cause?.code);
  if (NOT_ABOUT_WORKERS.has(code)) return null;
  const details = typeof cause?.details === 'string' && cause.details ? cause.details : err.message;
  return `${details}, gRPC code ${Number.isNaN(code) ? 'none' : code}`;
}

export interface ServerView {
  orderId: string;
  /** What the server said when the query went unanswered. */
  queryError: string;
  taskQueue: string;
  /**
   * The latest poll the server remembers on the task queue (it lists pollers for
   * some minutes after they stop); null when it lists none.
   */
  lastPollAt: string | null;
  run: { status: string; runId: string; startTime: string; closeTime: string | null };
  historyLength: number;
  summary: string | null;
  state: string | null;
  channel: string | null;
  pendingActivities: Array<{ activityType: string; attempt: number; lastFailure: string | null }>;
  /** Signals delivered after the last completed workflow task: no worker has taken them yet. */
  pendingSignals: Array<{ name: string; events: string | null; at: string | null }>;
  /** The summaries on the latest commands, the most recent last. */
  timeline: Array<{ at: string | null; summary: string }>;
  /** When the workflow task that has not been completed was scheduled. */
  workflowTaskWaitingSince: string | null;
}

const iso = (d: Date | undefined) => (d ? d.toISOString() : null);
/** A protobuf timestamp (seconds may be a Long) as ISO text. */
const tsIso = (
  t: { seconds?: { toString(): string } | number | null; nanos?: number | null } | null | undefined,
): string | null => {
  if (t?.seconds === undefined || t.seconds === null) return null;
  const ms = Number(t.seconds.toString()) * 1000 + Math.floor(Number(t.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
};

/** Signals that arrived after the last completed workflow task, versions and types only. */
function pendingSignals(events: readonly DecodedHistoryEvent[]): ServerView['pendingSignals'] {
  let lastDone = -1;
  events.forEach((e, i) => {
    if (e.eventType === 'WorkflowTaskCompleted') lastDone = i;
  });
  return events
    .slice(lastDone + 1)
    .filter((e) => e.eventType === 'WorkflowExecutionSignaled')
    .map((e) => {
      const input = e.attributes.input as { payloads?: unknown[] } | undefined;
      const arg = input?.payloads?.[0];
      const list = Array.isArray(arg)
        ? (arg as Array<{ erpVersion: number; type: 'order_creation' }>)
        : null;
      return {
        name: String(e.attributes.signalName),
        events: list ? namedEvents(list) : null,
        at: e.eventTime,
      };
    });
}

/** Everything the server can tell about the order's workflow, without a worker. */
export async function serverView(
  client: Client,
  cfg: Config,
  orderId: string,
  queryError: string,
): Promise<ServerView> {
  const handle = client.workflow.getHandle(orderId);
  const d = await handle.describe();
  const tq = await client.workflowService.describeTaskQueue({
    namespace: cfg.ORDERSYNC_TEMPORAL_NAMESPACE,
    taskQueue: { name: d.taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const polls = (tq.pollers ?? []).map((p) => tsIso(p.lastAccessTime)).filter((t) => t !== null);
  const lastPollAt = polls.sort().at(-1) ?? null;
  const events = await decodeHistory(await handle.fetchHistory(), [createPayloadCodec(cfg)]);
  return {
    orderId,
    queryError,
    taskQueue: d.taskQueue,
    lastPollAt,
    run: {
      status: d.status.name,
      runId: d.runId,
      startTime: d.startTime.toISOString(),
      closeTime: iso(d.closeTime),
    },
    historyLength: d.historyLength,
    summary: (await d.staticSummary()) ?? null,
    state: d.typedSearchAttributes.get(ORDER_SYNC_STATE) ?? null,
    channel: d.typedSearchAttributes.get(ORDER_CHANNEL) ?? null,
    pendingActivities: (d.raw.pendingActivities ?? []).map((a) => ({
      activityType: a.activityType?.name ?? 'activity',
      attempt: a.attempt ?? 0,
      lastFailure: a.lastFailure?.message ?? null,
    })),
    pendingSignals: pendingSignals(events),
    timeline: events
      .filter((e) => e.summary !== undefined && e.eventType !== 'WorkflowExecutionStarted')
      .slice(-TIMELINE_LINES)
      .map((e) => ({ at: e.eventTime, summary: e.summary! })),
    workflowTaskWaitingSince: tsIso(d.raw.pendingWorkflowTask?.scheduledTime),
  };
}

/** The fallback as the operator reads it; says plainly that no worker answered. */
export function formatServerView(v: ServerView): string {
  const lines = [
    `No worker is polling the task queue "${v.taskQueue}": the status query went unanswered (${v.queryError}; ${v.lastPollAt ? `last poll seen ${v.lastPollAt}` : 'no poll seen recently'}).`,
    'What the Temporal server knows (the live queue and last error need a worker: `ordersync worker`):',
    `${v.orderId} (${v.channel ?? 'channel unknown'}): ${v.state ?? 'state unknown'}  [OrderSyncState, as last published]`,
    `  run: ${v.run.status}, started ${v.run.startTime}${v.run.closeTime ? `, closed ${v.run.closeTime}` : ''}, ${v.historyLength} history events`,
  ];
  if (v.summary) lines.push(`  summary: ${v.summary}`);
  if (v.workflowTaskWaitingSince)
    lines.push(`  a workflow task has waited for a worker since ${v.workflowTaskWaitingSince}`);
  for (const a of v.pendingActivities)
    lines.push(
      `  pending activity: ${a.activityType}, attempt ${a.attempt}${a.lastFailure ? `, last failure: ${a.lastFailure}` : ''}`,
    );
  lines.push(`  signals not yet taken by a worker: ${v.pendingSignals.length}`);
  for (const s of v.pendingSignals)
    lines.push(`    ${s.at ?? '-'}  ${s.name}${s.events ? `: ${s.events}` : ''}`);
  if (v.timeline.length > 0) lines.push('  latest steps:');
  for (const t of v.timeline) lines.push(`    ${t.at ?? '-'}  ${t.summary}`);
  if (v.state === 'blocked')
    lines.push(`  once the ERP data is fixed: ${replayCommand(v.orderId)}`);
  return lines.join('\n');
}
