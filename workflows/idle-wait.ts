/**
 * How an idle order waits before its run closes. Every timer a workflow starts
 * is a billed action, so a run keeps at most one idle timer: a wait that ends
 * early leaves it running for the next wait, and a timer that fires before a
 * later wait's deadline is armed again for the rest.
 *
 * Runs that an earlier release started have no `oneIdleTimer` option in
 * their input and started one timer per wait; they go on doing so, so their
 * histories replay as recorded (test/histories/before-one-idle-timer). A
 * workflow patch (`patched`) would do the same but upserts the
 * TemporalChangeVersion search attribute in every run: one more billed action.
 */
import { condition, sleep } from '@temporalio/workflow';
import { idleCloseSummary } from './order-details';

export class IdleWait {
  private armed = false;
  private fires = 0;

  constructor(
    private readonly idleCloseMs: number,
    private readonly oneTimer: boolean,
  ) {}

  /** True when there is something to do; false when the order stayed idle for `idleCloseMs`. */
  async wait(wake: () => boolean, hasWork: () => boolean): Promise<boolean> {
    if (!this.oneTimer) {
      const timer = { summary: idleCloseSummary(this.idleCloseMs) };
      return (await condition(() => wake() || hasWork(), this.idleCloseMs, timer)) || hasWork();
    }
    const deadline = Date.now() + this.idleCloseMs;
    for (;;) {
      if (wake() || hasWork()) return true;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      const fired = this.fires;
      if (!this.armed) {
        this.armed = true;
        // A cancelled workflow rejects the timer; the wait below carries the cancellation.
        void sleep(remaining, { summary: idleCloseSummary(remaining) }).then(
          () => {
            this.armed = false;
            this.fires++;
          },
          () => undefined,
        );
      }
      await condition(() => wake() || hasWork() || this.fires !== fired);
    }
  }
}
