// Temporal actions per event, counted from workflow histories.
import type { Client } from '@temporalio/client';
import type { ActionBreakdown } from './common';
import { round } from './common';

/** History events Temporal bills as actions, by the attribute that marks them. */
const BILLABLE = {
  start: 'workflowExecutionStartedEventAttributes',
  signal: 'workflowExecutionSignaledEventAttributes',
  update: 'workflowExecutionUpdateAcceptedEventAttributes',
  activity: 'activityTaskScheduledEventAttributes',
  timer: 'timerStartedEventAttributes',
  upsert: 'upsertWorkflowSearchAttributesEventAttributes',
  continueAsNew: 'workflowExecutionContinuedAsNewEventAttributes',
  localActivity: 'markerRecordedEventAttributes', // one marker per local activity
} as const;
/** The marker a local activity records; a patch (`patched()`) records another, which is not billed. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

export const ACTIONS_COUNTED = `history events Temporal bills as actions (${Object.keys(BILLABLE).join(', ')})`;

export interface ActionCount {
  actionsPerEvent: number | null;
  /** Per event, by kind. */
  byKind: ActionBreakdown;
  /** Events per hand-over (signal or update). */
  eventsPerHandover: number | null;
}

/** Counts billable history events over `workflowIds` against the events each was given. */
export async function countActions(
  client: Client,
  workflowIds: string[],
  eventsPerWorkflow: Map<string, number>,
): Promise<ActionCount> {
  const byKind: Record<string, number> = Object.fromEntries(
    Object.keys(BILLABLE).map((k) => [k, 0]),
  );
  let events = 0;
  for (const id of workflowIds) {
    // The latest run: a bench order neither idles out nor continues as new.
    const history = await client.workflow.getHandle(id).fetchHistory();
    for (const e of history.events ?? []) {
      for (const [kind, attr] of Object.entries(BILLABLE)) {
        if (e[attr] === null || e[attr] === undefined) continue;
        if (
          kind === 'localActivity' &&
          e.markerRecordedEventAttributes?.markerName !== LOCAL_ACTIVITY_MARKER
        )
          continue;
        byKind[kind]!++;
      }
    }
    events += eventsPerWorkflow.get(id) ?? 0;
  }
  const total = Object.values(byKind).reduce((a, b) => a + b, 0);
  const handovers = byKind.signal! + byKind.update!;
  return {
    actionsPerEvent: events > 0 ? round(total / events) : null,
    byKind: Object.fromEntries(
      Object.entries(byKind).map(([k, v]) => [k, events > 0 ? round(v / events) : 0]),
    ),
    eventsPerHandover: handovers > 0 ? round(events / handovers) : null,
  };
}
