// `npm run build`: the release in dist/. Compiles src/, workflows/ and
// activities/ to JavaScript with type declarations, copies the files the code
// reads at run time (SQL), bundles the workflows, and records one build id for
// both, so a worker can tell that its bundle was built with its code.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildWorkflowBundle,
  CODE_BUILD_ID,
  DIST,
  workflowSourcesHash,
} from '../src/temporal/workflow-bundle';

const ROOT = path.join(__dirname, '..');
const COMPILED_DIRS = ['src', 'workflows', 'activities'];

function copyAssets(dir: string): number {
  const assets = readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
  for (const a of assets) cpSync(path.join(ROOT, a), path.join(DIST, a));
  return assets.length;
}

async function main() {
  const started = Date.now();
  const say = (m: string) => console.error(`[build] ${m}`);
  const buildId = workflowSourcesHash();
  rmSync(DIST, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
  const assets = COMPILED_DIRS.reduce((n, d) => n + copyAssets(d), 0);
  say(`compiled ${COMPILED_DIRS.join(', ')} to dist/ (${assets} asset files copied)`);
  const bundle = await buildWorkflowBundle({ force: true, log: say });
  if (bundle.buildId !== buildId)
    throw new Error('the sources changed during the build; build again');
  writeFileSync(CODE_BUILD_ID, `${buildId}\n`);
  say(`build ${buildId.slice(0, 12)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(`build: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
});
