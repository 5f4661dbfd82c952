import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stopProcess } from '../../src/cli/processes';
import { dataDir } from '../../src/config';
import { eventually, testEnv } from '../support/env';
import { probe, startObserved } from '../support/observed-process';
import type { ObservedProcess } from '../support/observed-process';

// The release as a user installs it: `npm pack` (whose prepack runs `npm run
// build`) in a copy of this checkout, the tarball installed into an empty
// directory with production dependencies only, then its CLI run against the
// local servers. The copy keeps this checkout's dist/ untouched.
const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'ordersync-pack-'));
const source = path.join(dir, 'source');
const app = path.join(dir, 'app');
const started: ObservedProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((p) => stopProcess(p.child)));
  rmSync(dir, { recursive: true, force: true });
});

async function gitFiles(): Promise<string[]> {
  const { stdout } = await run(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return stdout.split('\0').filter((f) => f !== '' && f !== 'node_modules');
}

describe('the packed release, installed with production dependencies only', () => {
  const { env } = testEnv('pack');
  // The installed package lives elsewhere, so it is told where the local secrets are.
  const appEnv = { ...env, ORDERSYNC_DATA_DIR: dataDir() };
  let bin = '';

  it('packs and installs without dev dependencies', async () => {
    for (const f of await gitFiles()) {
      mkdirSync(path.dirname(path.join(source, f)), { recursive: true });
      cpSync(path.join(ROOT, f), path.join(source, f));
    }
    symlinkSync(realpathSync(path.join(ROOT, 'node_modules')), path.join(source, 'node_modules'));
    const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: source,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [{ filename, files }] = JSON.parse(packed.stdout) as [
      { filename: string; files: { path: string }[] },
    ];
    const paths = files.map((f) => f.path);
    expect(paths).toContain('dist/src/cli/index.js');
    expect(paths).toContain('dist/workflow-bundle.js');
    expect(paths).toContain('dist/src/db/migrations/001_initial.sql');
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);

    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), '{ "private": true }\n');
    await run(
      'npm',
      ['install', '--omit=dev', '--no-audit', '--no-fund', path.join(dir, filename)],
      {
        cwd: app,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const installed = readdirSync(path.join(app, 'node_modules'));
    expect(installed).toContain('ordersync');
    expect(installed).not.toContain('tsx');
    expect(installed).not.toContain('typescript');
    bin = path.join(app, 'node_modules', '.bin', 'ordersync');
  }, 300_000);

  it('runs `ordersync help` and `ordersync migrate` from dist/', async () => {
    const help = await run(bin, ['help'], { cwd: app, env: appEnv });
    expect(help.stdout).toMatch(/^\s+worker \[options\]/m);
    expect(help.stdout).toMatch(/^\s+codec-server \[options\]/m);
    const migrated = await run(bin, ['migrate'], { cwd: app, env: appEnv });
    expect(migrated.stdout).toMatch(/migrations: \d+ applied, \d+ already in place/);
  }, 120_000);

  it('starts a worker that becomes ready, on the bundle built with its code', async () => {
    const worker = await startObserved('worker', appEnv, dir, 'worker', bin);
    started.push(worker);
    await eventually(
      async () => (await probe(`${worker.url}/readyz`)).status === 200,
      120_000,
      `the installed worker to become ready (log: ${worker.logFile})`,
    );
    const buildId = readFileSync(
      path.join(app, 'node_modules', 'ordersync', 'dist', 'build-id'),
      'utf8',
    ).trim();
    const running = worker.lines().find((l) => l.msg === 'worker running');
    expect(running?.buildId).toBe(buildId.slice(0, 12));
    await stopProcess(worker.child);
    expect(worker.child.exitCode).toBe(0);
  }, 150_000);

  it('refuses to start a worker whose bundle is from another build', async () => {
    const idFile = path.join(app, 'node_modules', 'ordersync', 'dist', 'build-id');
    writeFileSync(idFile, 'another-build\n');
    const refused = await run(bin, ['worker'], { cwd: app, env: appEnv }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toMatch(
      /workflow bundle dist\/workflow-bundle\.js is from another build/,
    );
  }, 60_000);
});
