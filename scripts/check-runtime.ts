/**
 * Proves that this Node.js can run ordersync before any server is involved:
 * every package in package.json loads, the Temporal SDK's native bridge starts
 * its runtime, and the workflow bundler (webpack with the native SWC compiler)
 * bundles `workflows/` with the options of the bundle the worker loads. Running
 * this file at all proves that `tsx` loads.
 *
 *   node --import tsx scripts/check-runtime.ts
 *
 * Prints one line per check and exits 1 if any failed. .ci/run calls it once
 * for every Node.js version in its matrix.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');

type Result = { name: string; ok: boolean; detail: string };

/** Packages whose root entry is not meant to be imported outside their own tool. */
const ENTRY_OVERRIDES: Readonly<Record<string, string>> = {
  vitest: 'vitest/node',
};

function dependencyNames(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]
    .filter((name) => !name.startsWith('@types/'))
    .sort();
}

function installedVersion(name: string): string {
  const file = path.join(ROOT, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

async function check(name: string, fn: () => Promise<string>): Promise<Result> {
  try {
    return { name, ok: true, detail: await fn() };
  } catch (err) {
    const e = err as Error;
    return { name, ok: false, detail: `${e.name}: ${e.message.split('\n')[0]}` };
  }
}

async function loadPackage(name: string): Promise<string> {
  const exported = (await import(ENTRY_OVERRIDES[name] ?? name)) as Record<string, unknown>;
  if (Object.keys(exported).length === 0) throw new Error('loaded, but exports nothing');
  return installedVersion(name);
}

async function nativeBridge(): Promise<string> {
  const { Runtime } = await import('@temporalio/worker');
  const runtime = Runtime.instance();
  await runtime.shutdown();
  return `core-bridge ${installedVersion('@temporalio/core-bridge')} runtime started and shut down`;
}

async function workflowBundle(): Promise<string> {
  // The worker's own bundle options (failure converter included), loaded here so a
  // failure to load them is this check's failure.
  const { bundleWorkflows } = await import('../src/temporal/workflow-bundle');
  const started = Date.now();
  const code = await bundleWorkflows({
    log() {},
    trace() {},
    debug() {},
    info() {},
    warn() {},
    error() {},
  });
  if (code.length < 1000) throw new Error(`bundle is only ${code.length} bytes`);
  return `${Math.round(code.length / 1024)} KiB in ${Date.now() - started} ms`;
}

async function main(): Promise<number> {
  console.log(
    `Node.js ${process.version} (modules ABI ${process.versions.modules}, N-API ${process.versions.napi})`,
  );
  const results: Result[] = [];
  for (const name of dependencyNames()) {
    results.push(await check(name, () => loadPackage(name)));
  }
  results.push(await check('temporal native bridge', nativeBridge));
  results.push(await check('workflow bundle', workflowBundle));
  for (const r of results)
    console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(26)} ${r.detail}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
