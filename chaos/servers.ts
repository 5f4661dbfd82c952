// Stopping and starting the shared local servers, for the server-fault scenarios.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dataDir } from '../src/config';
import { eventually } from '../test/support/env';

export type Server = 'temporal' | 'kafka' | 'mysql';

const ROOT = path.join(__dirname, '..');

function serverPid(name: Server): number {
  return Number(readFileSync(path.join(dataDir(), `${name}.pid`), 'utf8').trim());
}

/** SIGTERM to the server's process group, then waits until it is gone. */
export async function stopServer(name: Server) {
  const pid = serverPid(name);
  process.kill(-pid, 'SIGTERM');
  await eventually(
    async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    60_000,
    `${name} to stop`,
  );
}

/** `scripts/infra.sh up`: starts whatever is not running and waits until healthy. */
export function startServers() {
  execFileSync('bash', [path.join(ROOT, 'scripts', 'infra.sh'), 'up'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
