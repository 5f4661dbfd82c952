// `npm run bench -- --target <mapping>`: the shipped name or a mapping directory, resolved and installed.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SHIPPED_MAPPINGS, installMappingFixture } from '../src/target/demo-targets';

/** `magento` or a directory holding a target mapping's statements. */
export function resolveTargetMapping(arg: string): string {
  const dir = Object.hasOwn(SHIPPED_MAPPINGS, arg)
    ? SHIPPED_MAPPINGS[arg as keyof typeof SHIPPED_MAPPINGS]
    : path.resolve(arg);
  if (!existsSync(path.join(dir, 'upsert_order.sql')))
    throw new Error(
      `--target ${arg}: no upsert_order.sql in ${dir} (give ${Object.keys(SHIPPED_MAPPINGS).join(', ')} or a mapping directory)`,
    );
  return dir;
}

/** The mapping's fixture tables (`fixture/schema.sql`, idempotent), when it ships them; else its tables must exist. */
export async function installTargetTables(migrateUrl: string, dir: string): Promise<boolean> {
  if (!existsSync(path.join(dir, 'fixture', 'schema.sql'))) return false;
  await installMappingFixture(migrateUrl, dir);
  return true;
}
