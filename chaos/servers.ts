// Stopping and starting the local servers that scripts/infra.sh started, for
// the server-fault scenarios: by the pid files it keeps in the data directory.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { dataDir } from '../src/config';
import { eventually } from '../test/support/env';

/** A server by its pid-file name; the brokers of a three-node Kafka are kafka, kafka-2 and kafka-3. */
export type Server = 'temporal' | 'kafka' | 'kafka-2' | 'kafka-3' | 'mysql' | 'postgres';

const ROOT = path.join(__dirname, '..');
const INFRA = path.join(ROOT, 'scripts', 'infra.sh');

function serverPid(name: Server): number {
  return Number(readFileSync(path.join(dataDir(), `${name}.pid`), 'utf8').trim());
}

/** The pid-file name of Kafka broker `nodeId` (node ids are 1 to 3, as infra.sh numbers them). */
export function brokerServer(nodeId: number): Server {
  if (nodeId === 1) return 'kafka';
  if (nodeId === 2 || nodeId === 3) return `kafka-${nodeId}`;
  throw new Error(`no Kafka node ${nodeId} in the local cluster`);
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/**
 * Signals the server's process group (SIGTERM: an orderly stop; SIGKILL: a
 * crash, kill -9) and waits until it is gone. PostgreSQL's own fast shutdown
 * is SIGINT to the postmaster alone.
 */
export async function stopServer(name: Server, signal: NodeJS.Signals = 'SIGTERM') {
  const pid = serverPid(name);
  if (name === 'postgres' && signal === 'SIGTERM') process.kill(pid, 'SIGINT');
  else process.kill(-pid, signal);
  await eventually(async () => gone(pid), 60_000, `${name} to stop`);
}

/**
 * `scripts/infra.sh up`: starts whatever is not running and waits until
 * healthy. Its status table goes to stderr, so a failed `up` shows which server is down.
 */
export function startServers() {
  execFileSync('bash', [INFRA, 'up'], { stdio: ['ignore', 2, 'inherit'] });
}

/** Starts one broker of the three-node cluster and returns at once, without waiting for health. */
export function startBroker(nodeId: number) {
  execFileSync('bash', [INFRA, 'kafka-node', String(nodeId)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
