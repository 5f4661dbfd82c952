/**
 * Change markers: the ERP's modification timestamps as the SQL returns them,
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` in the ERP's own time zone. The look-back is
 * arithmetic on the wall-clock value, so it needs no time zone; only an
 * event's `occurredAt` converts to UTC.
 */

/** Where a scan stands: the last marker read and the id that broke its tie. */
export interface Keyset {
  marker: string;
  id: string;
}

/** Before every marker an ERP can hold; a first poll reads everything. */
export const MARKER_ORIGIN = '1970-01-01 00:00:00.000000';

const MARKER = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?/;

/** Thrown when the SQL returns a marker that is not a timestamp; a mapping bug. */
export class MarkerFormatError extends Error {
  override readonly name = 'MarkerFormatError';
}

/** A marker as text, from a string, a Date (in UTC) or a driver's value. */
export function markerText(value: unknown): string {
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  const text = String(value);
  if (!MARKER.test(text)) {
    throw new MarkerFormatError(
      `change marker ${JSON.stringify(text.slice(0, 40))} is not a timestamp`,
    );
  }
  return text;
}

/** The marker's wall-clock value as epoch milliseconds, as if it were UTC. */
export function wallMs(marker: string): number {
  const m = MARKER.exec(marker);
  if (!m)
    throw new MarkerFormatError(
      `change marker ${JSON.stringify(marker.slice(0, 40))} is not a timestamp`,
    );
  const [, y, mo, d, h, mi, s, frac = ''] = m;
  return Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, Number(frac.padEnd(3, '0').slice(0, 3)));
}

/** `marker` moved back by `ms`, as a marker (microsecond digits, so comparisons stay exact). */
export function markerMinus(marker: string, ms: number): string {
  const t = wallMs(marker) - ms;
  if (t <= wallMs(MARKER_ORIGIN)) return MARKER_ORIGIN;
  return `${new Date(t).toISOString().replace('T', ' ').replace('Z', '')}000`;
}

/** The later of two markers. */
export function laterMarker(a: string, b: string): string {
  return wallMs(b) > wallMs(a) ? b : a;
}

/** The marker, read in `timeZone`, as ISO-8601 UTC. */
export function markerToIso(marker: string, timeZone: string): string {
  const wall = wallMs(marker);
  if (timeZone === 'UTC') return new Date(wall).toISOString();
  // The zone's offset at that instant; a second pass settles DST edges.
  let utc = wall - offsetMs(wall, timeZone);
  utc = wall - offsetMs(utc, timeZone);
  return new Date(utc).toISOString();
}

function offsetMs(utcMs: number, timeZone: string): number {
  const whole = Math.floor(utcMs / 1000) * 1000;
  return wallMs(wallClock(whole, timeZone)) - whole;
}

/** The wall-clock time at `utcMs` in `timeZone`, as a marker with milliseconds. */
export function wallClock(utcMs: number, timeZone: string): string {
  const text = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    fractionalSecondDigits: 3,
    hourCycle: 'h23',
  }).format(new Date(utcMs));
  return text.replace(',', '.');
}

/** The earlier of two markers. */
export function earlierMarker(a: string, b: string): string {
  return wallMs(b) < wallMs(a) ? b : a;
}

/**
 * How far `timeZone`'s offset from UTC moves within a year of `fromMs` (its
 * daylight-saving shift), in milliseconds; 0 for a fixed-offset zone.
 */
export function zoneShiftMs(timeZone: string, fromMs = Date.now()): number {
  const offsets: number[] = [];
  for (let day = 0; day <= 366; day += 7)
    offsets.push(offsetMs(fromMs + day * 86_400_000, timeZone));
  return Math.max(...offsets) - Math.min(...offsets);
}
