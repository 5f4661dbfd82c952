/**
 * Fault points for `npm run chaos`. Inert unless ORDERSYNC_CHAOS_FAULT is set
 * to `point:N`, in which case the process kills itself with SIGKILL the N-th
 * time it reaches that point: the closest a test can get to `kill -9` at an
 * exact instruction. Never set it in production.
 */
const spec = process.env.ORDERSYNC_CHAOS_FAULT ?? '';
const [armedPoint, armedAt] = spec.split(':');
let hits = 0;

export type FaultPoint = 'consumer-before-signal' | 'consumer-after-signal' | 'worker-in-apply-tx';

export function faultPoint(point: FaultPoint): void {
  if (point !== armedPoint) return;
  hits++;
  if (hits === Number(armedAt ?? '1')) {
    process.stderr.write(`[chaos] SIGKILL at ${point} #${hits}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
