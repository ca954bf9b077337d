/**
 * The schedule of a background worker that drains a queue in the database: one drain at a time,
 * run at start, on every nudge (a nudge during a drain runs another right after it) and otherwise
 * every `pollMs`, or after what the drain answers. `stop()` waits for the drain in flight.
 * The outbox's delivery lanes and payment-reconciliation's applier run on it.
 */
export interface DrainLoop {
  start(): void;
  nudge(): void;
  stop(): Promise<void>;
}

export function createDrainLoop(opts: {
  /**
   * One drain: work until nothing is due, checking `running()` between steps so a stop is not
   * held up. Answers the wait before the next drain in ms (default `pollMs`).
   */
  drain: (running: () => boolean) => Promise<number | undefined>;
  pollMs: number;
  /** A drain that threw: logged by the caller; the next runs at the next poll. */
  onError: (err: unknown) => void;
}): DrainLoop {
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let inflight: Promise<void> | null = null;
  let again = false;
  const isRunning = () => running;

  function schedule(ms: number): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(wake, ms);
    // The worker never keeps a process alive on its own: the server (or test) decides that.
    timer.unref();
  }

  function wake(): void {
    timer = null;
    if (!running) return;
    if (inflight) {
      again = true;
      return;
    }
    again = false;
    let next = opts.pollMs;
    inflight = opts
      .drain(isRunning)
      .then((ms) => {
        next = ms ?? opts.pollMs;
      })
      .catch(opts.onError)
      .finally(() => {
        inflight = null;
        if (running) schedule(again ? 0 : next);
      });
  }

  return {
    start(): void {
      if (running) return;
      running = true;
      schedule(0);
    },
    nudge(): void {
      if (!running) return;
      if (inflight) again = true;
      else schedule(0);
    },
    async stop(): Promise<void> {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await inflight;
    },
  };
}
