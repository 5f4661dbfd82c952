/** ISO-8601 → `YYYY-MM-DD HH:MM:SS.mmm` in UTC, the DATETIME(3) literal both MySQL and MariaDB accept. */
export function toSqlDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a date: ${iso}`);
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/** A DATETIME(3) string read back with `dateStrings` → ISO-8601 UTC. */
export function fromSqlDateTime(value: string): string {
  const [date, time = '00:00:00'] = value.split(' ');
  const [hms = '00:00:00', frac = ''] = time.split('.');
  return `${date}T${hms}.${frac.padEnd(3, '0').slice(0, 3)}Z`;
}
