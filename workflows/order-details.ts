/**
 * What the Temporal UI shows of an order's workflow without opening a payload:
 * the static summary set at start, the current details (markdown) the workflow
 * keeps up to date, and a one-line summary per activity and timer.
 *
 * Pure, so the workflow, the starters and the CLI share it and unit tests cover
 * it. Metadata holds ids, versions, states and error categories only, never
 * customer data: block reasons already drop the values MySQL quotes.
 */
import type { Channel, OrderEvent } from '../src/contracts/events';
import type { OrderSyncStatus, TargetOrderState } from '../src/contracts/workflow-types';

/** Longest one-line summary written: short enough for the timeline and any server limit. */
export const SUMMARY_MAX_CHARS = 160;
/** Longest error text copied into the details. */
const ERROR_MAX_CHARS = 400;
/** Events named one by one in an apply summary; the rest are counted. */
const EVENTS_NAMED = 4;

/** Cuts `text` to one line of at most `max` characters, marking a cut with an ellipsis. */
export function oneLine(text: string, max = SUMMARY_MAX_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** The order workflow's static summary, e.g. `Order SO/2025-26/000123 · store`. */
export function orderSummary(orderId: string, channel: Channel): string {
  return oneLine(`Order ${orderId} · ${channel}`, 2 * SUMMARY_MAX_CHARS);
}

/** A shell word for `value`: bare when it is plainly safe, otherwise single-quoted. */
function shellWord(value: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The command an operator runs once the ERP data is fixed, ready to paste. */
export function replayCommand(orderId: string): string {
  // An id that starts with `-` would read as an option; `--` ends the options.
  return `ordersync replay ${orderId.startsWith('-') ? '-- ' : ''}${shellWord(orderId)}`;
}

/** `1h`, `24h`, `1.5h`, `90s`: a duration in its largest unit, to one decimal. */
export function formatDuration(ms: number): string {
  const units: Array<[string, number]> = [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  for (const [unit, size] of units)
    if (ms >= size) return `${Math.round((ms / size) * 10) / 10}${unit}`;
  return `${Math.max(0, Math.round(ms))}ms`;
}

type EventRef = Pick<OrderEvent, 'eventId' | 'erpVersion' | 'type'>;

/** `v2 order_updation, v3 invoice_creation` in ERP version order; the first few named, the rest counted. */
export function namedEvents(events: readonly Pick<OrderEvent, 'erpVersion' | 'type'>[]): string {
  const sorted = [...events].sort((a, b) => a.erpVersion - b.erpVersion);
  const named = sorted.slice(0, EVENTS_NAMED).map((e) => `v${e.erpVersion} ${e.type}`);
  const rest = sorted.length - named.length;
  if (rest > 0) named.push(`+${rest} more to v${sorted.at(-1)!.erpVersion}`);
  return named.join(', ') || 'nothing';
}

/**
 * `apply v2 order_updation, v3 invoice_creation`. Superseded events (a replay
 * applies only the last of consecutive snapshots) are counted, not named.
 */
export function applySummary(
  events: readonly EventRef[],
  opts: { replay?: boolean; supersede?: readonly string[] } = {},
): string {
  const superseded = new Set(opts.supersede ?? []);
  const applied = events.filter((e) => !superseded.has(e.eventId));
  const skipped = events.length - applied.length;
  const tail = skipped > 0 ? ` (${skipped} superseded)` : '';
  return oneLine(`${opts.replay ? 'replay apply' : 'apply'} ${namedEvents(applied)}${tail}`);
}

/** One page of a replay's ERP read. */
export const erpReadSummary = (fromVersion: number): string =>
  `replay: read ERP from v${fromVersion}`;

/** A DLQ write of events this order could not hold. */
export const deadLetterSummary = (count: number, reason: string): string =>
  oneLine(`DLQ ${count} event${count === 1 ? '' : 's'} · ${reason}`);

/** The timer an invoice waits on for its order's creation. */
export const invoiceWaitSummary = (ms: number): string => `invoice wait ${formatDuration(ms)}`;

/** The timer after which an idle order's workflow closes. */
export const idleCloseSummary = (ms: number): string => `idle close ${formatDuration(ms)}`;

/** `2026-11-25 12:03:04 UTC`, from workflow time. */
const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** How many events wait, and which. */
const pendingLine = (pending: OrderSyncStatus['pending']): string =>
  pending.length === 0 ? '0' : `${pending.length} (${namedEvents(pending)})`;

/** What the row in MySQL holds, as the last apply reported it. */
function snapshotLine(target: TargetOrderState | null): string {
  if (!target?.exists) return 'none in MySQL yet';
  const snapshot = target.snapshotVersion ? `v${target.snapshotVersion}` : 'unknown';
  const last = target.lastEventType ? ` ${target.lastEventType}` : '';
  return `${snapshot} · last applied v${target.erpVersion}${last}`;
}

/** A code span that survives backticks inside `text`. */
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

/**
 * The order's current details, in Temporal markdown. `lastErrorSince` is when
 * the current `lastError` was first seen (workflow time, ms), null when unknown.
 */
export function orderDetails(
  status: OrderSyncStatus,
  target: TargetOrderState | null,
  lastErrorSince: number | null,
): string {
  const since = lastErrorSince === null ? '' : ` since ${utc(lastErrorSince)}`;
  const error = oneLine(status.lastError ?? 'reason unknown', ERROR_MAX_CHARS);
  const counts = [
    `- **Snapshot:** ${snapshotLine(target)}`,
    `- **Pending events:** ${pendingLine(status.pending)}`,
    `- **Applied / skipped:** ${status.applied} / ${status.skipped}`,
  ];
  // Blocked: why and what to do come first, where the UI's details box shows them unscrolled.
  if (status.state === 'blocked') {
    return [
      `- **State:** blocked${since}`,
      `- **Reason:** ${error}`,
      `- **Once the ERP data is fixed:** ${code(replayCommand(status.orderId))}`,
      ...counts,
    ].join('\n');
  }
  // An apply that keeps failing (MySQL down) says since when; it adds nothing to the history meanwhile.
  const retrying = status.retryingSince ?? null;
  const lastError =
    status.lastError === null
      ? []
      : retrying !== null
        ? [`- **Apply retrying since** ${utc(retrying)}: ${error}`]
        : [`- **Last error**${since}: ${error}`];
  return [`- **State:** ${status.state}`, ...counts, ...lastError].join('\n');
}

/**
 * Remembers since when the current error stands, so the details can say it.
 * Continue-as-new carries the time (`CarriedState.lastErrorSince`).
 */
export class LastErrorClock {
  constructor(
    private error: string | null,
    private since: number | null,
  ) {}

  /** The time `error` was first seen, `now` when it differs from the last one observed. */
  observe(error: string | null, now: number): number | null {
    if (error !== this.error) {
      this.error = error;
      this.since = error === null ? null : now;
    }
    return this.since;
  }
}
