import type { Pool } from 'mysql2/promise';
import type { GapPolicy } from './cursor';
import { OutboxSource } from './outbox/outbox-source';
import { MysqlSqlClient } from './sql/mysql-client';

/** The outbox source over an existing mysql2 pool (the simulator's ERP, the tests). */
export class MysqlErpSource extends OutboxSource {
  constructor(pool: Pool, policy?: GapPolicy, now?: () => number) {
    super(new MysqlSqlClient(pool), policy, now);
  }
}
