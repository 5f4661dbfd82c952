import type { SqlClient } from './client';
import { MysqlSqlClient } from './mysql-client';
import { PgSqlClient } from './pg-client';

/** A client for an ERP URL: `mysql://` (MySQL, MariaDB) or `postgres://` / `postgresql://`. */
export function connectErp(url: string, connections = 2): SqlClient {
  const scheme = new URL(url).protocol;
  if (scheme === 'mysql:') return MysqlSqlClient.fromUrl(url, connections);
  if (scheme === 'postgres:' || scheme === 'postgresql:')
    return PgSqlClient.fromUrl(url, connections);
  throw new Error(`unsupported ERP URL scheme ${scheme} (use mysql:// or postgres://)`);
}
