/**
 * Fault points for `npm run chaos`. Inert unless ORDERSYNC_CHAOS_FAULT is set.
 *
 *   point:N            the N-th time the process reaches `point` it kills itself
 *                      with SIGKILL: the closest a test can get to `kill -9` at
 *                      an exact instruction.
 *   point:N:stall-MS   instead it freezes for MS milliseconds (the event loop is
 *                      blocked, as in a long GC pause or a paused VM), then goes on.
 *
 * Never set it in production.
 */
const spec = process.env.ORDERSYNC_CHAOS_FAULT ?? '';
const [armedPoint, armedAt, action] = spec.split(':');
const stallMs = /^stall-(\d+)$/.exec(action ?? '')?.[1];
let hits = 0;

export type FaultPoint =
  | 'consumer-before-signal'
  | 'consumer-after-signal'
  | 'worker-in-apply-tx'
  | 'worker-after-apply-commit';

export function faultPoint(point: FaultPoint): void {
  if (point !== armedPoint) return;
  hits++;
  if (hits !== Number(armedAt ?? '1')) return;
  if (stallMs !== undefined) {
    process.stderr.write(`[chaos] stalling ${stallMs} ms at ${point} #${hits}\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(stallMs));
    process.stderr.write(`[chaos] stall at ${point} over\n`);
    return;
  }
  process.stderr.write(`[chaos] SIGKILL at ${point} #${hits}\n`);
  process.kill(process.pid, 'SIGKILL');
}
