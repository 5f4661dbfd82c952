// Pre-bundles the workflows so the worker does not run webpack at every start.
// `--if-changed` (what scripts/ensure.sh passes) skips the build when the
// bundle already matches the sources.
import { buildWorkflowBundle } from '../src/temporal/workflow-bundle';

async function main() {
  const ifChanged = process.argv.includes('--if-changed');
  const { result } = await buildWorkflowBundle({
    force: !ifChanged,
    log: (m) => console.error(`[build] ${m}`),
  });
  if (result === 'up-to-date') console.error('[build] workflow bundle is up to date');
}

main().catch((err: unknown) => {
  console.error(`build-workflow-bundle: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
});
