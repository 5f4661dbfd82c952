import type { Pool } from 'mysql2/promise';
import { checkSchemaVersion } from '../db/schema-version';
import type { Target, TargetProblem } from './port';

/**
 * What the worker checks before it takes any task, and what /readyz checks
 * again: the bookkeeping schema is at the version this release needs, and
 * every table and column the target writes exists.
 */
export async function targetProblems(pool: Pool, target: Target): Promise<TargetProblem[]> {
  const version = await checkSchemaVersion(pool);
  const problems: TargetProblem[] = version.ok
    ? []
    : [{ where: 'ordersync_schema_migrations', message: version.detail }];
  return [...problems, ...(await target.checkSchema(pool))];
}

export const describeProblems = (problems: readonly TargetProblem[]): string =>
  problems.map((p) => `${p.where}: ${p.message}`).join('; ');
