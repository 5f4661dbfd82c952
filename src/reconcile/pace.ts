/**
 * Paces a scheduled reconcile run so it takes at most a share of the time it
 * runs (its duty cycle): after each page it sleeps for as long as the page's
 * work took, times (1 - duty) / duty. A run over 10,000 orders that works for
 * 1 s at a duty of 0.1 then spans about 10 s, and the pipeline beside it loses
 * at most about a tenth of the one core the run and its reads would use.
 *
 * Pacing ends once the run has spanned `paceWithinMs`, and the rest runs
 * unpaced: pacing adds at most that much to a run, whatever its size.
 */
export interface Pacer {
  /** Called after each page; resolves when the run may read its next page. */
  afterPage(): Promise<void>;
  /** Time slept so far. */
  readonly sleptMs: number;
}

export interface PaceOptions {
  /** The share of time the run works, in (0, 1]; 1 never sleeps. */
  duty: number;
  /** Pacing stops once this long has passed since the pacer was made. */
  paceWithinMs: number;
  /** The longest single sleep (a heartbeat comes before each). */
  maxSleepMs?: number;
  now?: () => number;
  sleep: (ms: number) => Promise<void>;
}

export function pacer(o: PaceOptions): Pacer {
  if (!(o.duty > 0 && o.duty <= 1)) throw new RangeError(`duty cycle ${o.duty} is not in (0, 1]`);
  const now = o.now ?? Date.now;
  const maxSleep = o.maxSleepMs ?? 60_000;
  const started = now();
  let workFrom = started;
  let slept = 0;
  return {
    get sleptMs() {
      return slept;
    },
    async afterPage() {
      const at = now();
      const work = at - workFrom;
      const want = Math.min(maxSleep, (work * (1 - o.duty)) / o.duty);
      const left = started + o.paceWithinMs - at;
      const ms = Math.floor(Math.min(want, Math.max(0, left)));
      if (ms > 0) {
        await o.sleep(ms);
        slept += ms;
      }
      workFrom = now();
    },
  };
}
