import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { dataDir } from '../config';
import { PACKAGE_ROOT } from '../package-root';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'ordersync');

/** Starts `ordersync <role>` as its own process, as an operator would, with logs in the data dir. */
export function startProcess(
  role: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
  /** Flags for node itself, e.g. `--cpu-prof` (not all are allowed in NODE_OPTIONS). */
  nodeArgs: string[] = [],
): ChildProcess {
  const logs = path.join(dataDir(), 'logs');
  mkdirSync(logs, { recursive: true });
  const out = openSync(path.join(logs, `${role}.log`), 'a');
  return spawn(process.execPath, [...nodeArgs, BIN, role, ...args], {
    stdio: ['ignore', out, out],
    env,
  });
}

/** SIGTERM, and SIGKILL if the process has not exited 20 s later. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
