import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@temporalio/common';
import { PACKAGE_ROOT, RUNS_COMPILED } from '../package-root';
import { FAILURE_CONVERTER_PATH } from './data-converter';

const ROOT = PACKAGE_ROOT;
export const DIST = path.join(ROOT, 'dist');
const BUNDLE = path.join(DIST, 'workflow-bundle.js');
/** The build id of the sources the bundle was built from, written next to it. */
const BUNDLE_BUILD_ID = `${BUNDLE}.build-id`;
/** The build id of the compiled code in dist/, written by `npm run build`. */
export const CODE_BUILD_ID = path.join(DIST, 'build-id');

/**
 * What the bundle may contain: the workflows and every pure module under src/
 * they can reach, plus the locked dependency versions (the SDK's workflow
 * runtime is bundled in too). Hashing all of src/ over-approximates, so a
 * change never goes unbundled; a needless rebuild costs seconds.
 */
const SOURCE_DIRS = ['workflows', 'src'];
const SOURCE_FILES = ['package-lock.json'];

/** Raised when the worker starts without a bundle that matches the sources. */
export class WorkflowBundleError extends Error {
  override readonly name = 'WorkflowBundleError';
}

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

/**
 * A build id: SHA-256 over the bundle's possible inputs, names and contents, in
 * a stable order. Only a checkout has the sources; a build records the id.
 */
export function workflowSourcesHash(): string {
  const files = [
    ...SOURCE_DIRS.flatMap((d) => listTs(path.join(ROOT, d))),
    ...SOURCE_FILES.map((f) => path.join(ROOT, f)),
  ].sort();
  const h = createHash('sha256');
  for (const f of files) h.update(path.relative(ROOT, f)).update('\0').update(readFileSync(f));
  return h.digest('hex');
}

function readId(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/**
 * The build id of the code that is running: recorded in dist/ by the build
 * when it runs compiled, the hash of the sources when tsx runs them.
 */
export function runningBuildId(): string {
  if (!RUNS_COMPILED) return workflowSourcesHash();
  const id = readId(CODE_BUILD_ID);
  if (!id)
    throw new WorkflowBundleError(
      `${path.relative(ROOT, CODE_BUILD_ID)} is missing; build the release with \`npm run build\``,
    );
  return id;
}

function bundleState(buildId: string): 'fresh' | 'stale' | 'missing' {
  const bundled = existsSync(BUNDLE) ? readId(BUNDLE_BUILD_ID) : undefined;
  if (bundled === undefined) return 'missing';
  return bundled === buildId ? 'fresh' : 'stale';
}

/**
 * The pre-built bundle for `Worker.create({ workflowBundle })`, with its build
 * id. Fails with a WorkflowBundleError when it is missing or was built from
 * other code than the running one, so a worker never runs workflow code other
 * than its own.
 */
export function prebuiltWorkflowBundle(): { codePath: string; buildId: string } {
  const buildId = runningBuildId();
  const state = bundleState(buildId);
  if (state !== 'fresh') {
    const fix = RUNS_COMPILED
      ? 'rebuild the release with `npm run build`'
      : 'run `npm run build:workflows` (scripts/ensure.sh does it for npm run demo/test)';
    throw new WorkflowBundleError(
      `the workflow bundle ${path.relative(ROOT, BUNDLE)} is ${state === 'missing' ? 'missing' : `from another build than this code (${buildId.slice(0, 12)})`}; ${fix}`,
    );
  }
  return { codePath: BUNDLE, buildId };
}

const WORKFLOWS_ENTRY = path.join(ROOT, 'workflows', 'index.ts');

/**
 * Modules every workflow on a worker thread shares instead of loading its own
 * copy: the workflows (and, through them, @temporalio/workflow and our pure
 * modules) and the failure converter. In the SDK's reusable V8 context, a
 * module first required inside a workflow is evaluated again for each new
 * workflow and kept for as long as it is cached; a preloaded one is evaluated
 * once when the thread starts, then deep-frozen: a write to a module-level
 * object or array then throws in the workflow. A module-level Map, Set or `let`
 * is not frozen and would be shared by every workflow on the thread, so none of
 * these modules may keep one (none does; the tests run on this bundle).
 */
export const PRELOADED_MODULES: readonly string[] = [WORKFLOWS_ENTRY, FAILURE_CONVERTER_PATH];

/**
 * Bundles workflows/index.ts with the options every bundle of ours needs: the
 * pre-built bundle, the runtime check (scripts/check-runtime.ts) and the tests
 * use it, so they run the code the worker loads, built the same way.
 */
export async function bundleWorkflows(logger?: Logger): Promise<string> {
  // Loaded only here: webpack is a build-time dependency of the worker package.
  const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_ENTRY,
    // The worker's failure converter must be inside the bundle when one is pre-built.
    failureConverterPath: FAILURE_CONVERTER_PATH,
    preloadModules: [...PRELOADED_MODULES],
    logger: logger ?? new DefaultLogger('WARN'), // webpack's statistics are noise in the demo's output
  });
  return code;
}

/**
 * Bundles workflows/index.ts into dist/ unless the bundle already matches the
 * sources; returns the build id it carries.
 */
export async function buildWorkflowBundle(
  opts: { force?: boolean; log?: (m: string) => void } = {},
): Promise<{ result: 'built' | 'up-to-date'; buildId: string }> {
  const buildId = workflowSourcesHash();
  if (!opts.force && bundleState(buildId) === 'fresh') return { result: 'up-to-date', buildId };
  const started = Date.now();
  const code = await bundleWorkflows();
  mkdirSync(DIST, { recursive: true });
  writeFileSync(BUNDLE, code);
  writeFileSync(BUNDLE_BUILD_ID, `${buildId}\n`);
  opts.log?.(
    `workflow bundle: ${path.relative(ROOT, BUNDLE)} (${Math.round(code.length / 1024)} KiB, build ${buildId.slice(0, 12)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return { result: 'built', buildId };
}
