import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const BIN = path.join(__dirname, '..', '..', 'bin', 'ordersync');

/** A port that was free a moment ago, on the loopback interface. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface ObservedProcess {
  child: ChildProcess;
  /** http://127.0.0.1:port of its metrics and health endpoints. */
  url: string;
  logFile: string;
  /** Every JSON log line written so far. */
  lines(): Array<Record<string, unknown>>;
}

/**
 * Starts `ordersync <role>` as its own process with a fixed metrics port and
 * its output in its own file, so a test can read exactly its log lines.
 */
export async function startObserved(
  role: 'worker' | 'consumer',
  env: NodeJS.ProcessEnv,
  dir: string,
  name: string = role,
  /** Another ordersync executable, e.g. one installed from the packed release. */
  bin: string = BIN,
): Promise<ObservedProcess> {
  const port = await freePort();
  const logFile = path.join(dir, `${name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [bin, role, '--metrics-address', `127.0.0.1:${port}`], {
    stdio: ['ignore', out, out],
    env: { ORDERSYNC_LOG_FORMAT: 'json', ...env },
  });
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    logFile,
    lines: () =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** GET a path; connection errors come back as status 0 so a poll loop can tell "down" from "503". */
export async function probe(
  url: string,
): Promise<{ status: number; body: Record<string, unknown> | null; text: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    let body: Record<string, unknown> | null = null;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = null;
    }
    return { status: res.status, body, text };
  } catch {
    return { status: 0, body: null, text: '' };
  }
}
