import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleWorkflows, PRELOADED_MODULES } from '../../src/temporal/workflow-bundle';

const ROOT = path.join(__dirname, '..', '..');

describe("the worker's workflow bundle", () => {
  it('preloads the workflows and the failure converter, so workflows share them', async () => {
    const code = await bundleWorkflows();
    // The bundler emits a hook the reusable V8 context runs once per thread, before any workflow.
    const hook = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(code);
    expect(hook).not.toBeNull();
    const required = [...hook![1]!.matchAll(/__webpack_require__\([^)]*"([^"]+)"\)/g)].map(
      (m) => m[1],
    );
    expect(required).toEqual(PRELOADED_MODULES.map((m) => `./${path.relative(ROOT, m)}`));
    expect(required).toContain('./workflows/index.ts');
  }, 60_000);
});
