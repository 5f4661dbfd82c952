import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The directory that holds ordersync's package.json. The same module runs from
 * `src/` (a checkout, through tsx) and from `dist/src/` (a build or an installed
 * package), so paths to the bundle, the CLI and the data directory start here
 * rather than at a fixed number of `..` from this file.
 */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** True when this code runs compiled (from `dist/`), false when tsx runs the TypeScript sources. */
export const RUNS_COMPILED = path.extname(__filename) === '.js';
