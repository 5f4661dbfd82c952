import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '@temporalio/common';
import { FAILURE_CONVERTER_PATH } from './data-converter';

const ROOT = path.join(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'dist', 'workflow-bundle.js');
/** Hash of the sources the bundle was built from, written next to it. */
const STAMP = `${BUNDLE}.sources-sha256`;

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

/** SHA-256 over the bundle's possible inputs, names and contents, in a stable order. */
export function workflowSourcesHash(): string {
  const files = [
    ...SOURCE_DIRS.flatMap((d) => listTs(path.join(ROOT, d))),
    ...SOURCE_FILES.map((f) => path.join(ROOT, f)),
  ].sort();
  const h = createHash('sha256');
  for (const f of files) h.update(path.relative(ROOT, f)).update('\0').update(readFileSync(f));
  return h.digest('hex');
}

function bundleState(): 'fresh' | 'stale' | 'missing' {
  if (!existsSync(BUNDLE) || !existsSync(STAMP)) return 'missing';
  return readFileSync(STAMP, 'utf8').trim() === workflowSourcesHash() ? 'fresh' : 'stale';
}

/**
 * The pre-built bundle for `Worker.create({ workflowBundle })`. Fails with a
 * WorkflowBundleError when it is missing or older than the sources, so a
 * worker never runs workflow code other than what is checked out.
 */
export function prebuiltWorkflowBundle(): { codePath: string } {
  const state = bundleState();
  if (state !== 'fresh')
    throw new WorkflowBundleError(
      `the workflow bundle ${path.relative(ROOT, BUNDLE)} is ${state === 'missing' ? 'missing' : 'out of date with the sources'}; run \`npm run build:workflows\` (scripts/ensure.sh does it for npm run demo/test)`,
    );
  return { codePath: BUNDLE };
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

/** Bundles workflows/index.ts into dist/ unless the bundle already matches the sources. */
export async function buildWorkflowBundle(
  opts: { force?: boolean; log?: (m: string) => void } = {},
): Promise<'built' | 'up-to-date'> {
  if (!opts.force && bundleState() === 'fresh') return 'up-to-date';
  const hash = workflowSourcesHash();
  const started = Date.now();
  const code = await bundleWorkflows();
  mkdirSync(path.dirname(BUNDLE), { recursive: true });
  writeFileSync(BUNDLE, code);
  writeFileSync(STAMP, `${hash}\n`);
  opts.log?.(
    `workflow bundle: ${path.relative(ROOT, BUNDLE)} (${Math.round(code.length / 1024)} KiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return 'built';
}
