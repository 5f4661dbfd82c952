/** JSON columns come back parsed from MySQL and as text from MariaDB. */
export function jsonColumn<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
