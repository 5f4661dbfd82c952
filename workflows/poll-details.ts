/**
 * What the Temporal UI shows of one ERP poll run: its static summary and the
 * run's current details. Pure; counts and cursor positions only, no row data.
 */
import type { PollReport } from '../activities/poll-erp';

/** The poll workflow's static summary, set on the Schedule's start action. */
export const POLL_SUMMARY = 'ERP poll → Kafka';
/** The poll activity's summary on the timeline. */
export const POLL_ACTIVITY_SUMMARY = 'read ERP change log → Kafka';

/** The run's details before the poll activity has reported. */
export const POLL_STARTED_DETAILS = '- **Polling:** reading the ERP change log into Kafka';

/** One poll run's details, in Temporal markdown. */
export function pollDetails(r: PollReport): string {
  const dropped = r.gapsDropped > 0 ? `, ${r.gapsDropped} dropped` : '';
  return [
    `- **Rows read:** ${r.read} in ${r.pages} page${r.pages === 1 ? '' : 's'}`,
    `- **Produced:** ${r.produced}`,
    `- **Dead-lettered:** ${r.deadLettered}`,
    `- **Cursor:** ${r.positionBefore} → ${r.position}`,
    `- **Gaps tracked:** ${r.gapsBefore} → ${r.gaps}${dropped}`,
    // Reports of earlier releases have no rereads.
    ...((r.rereads ?? 0) > 0 ? [`- **Watched:** ${r.rereads} re-reads after catching up`] : []),
  ].join('\n');
}
