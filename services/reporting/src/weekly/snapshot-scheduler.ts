import { createDrainLoop, type DrainLoop } from '@rmi/outbox';
import type { ReportingDeps } from '../deps.js';
import { closePreviousWeek, type SnapshotChangeRunner } from './snapshots.js';

export interface SchedulerLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

/**
 * Closes each week once it has ended: a check at start (a replica that was down over Monday
 * catches up) and every `checkMs`. Every replica runs it; closePreviousWeek leaves the snapshot to
 * the first. `stop()` waits for a snapshot being written.
 */
export function createSnapshotScheduler(opts: {
  deps: ReportingDeps;
  change: SnapshotChangeRunner;
  checkMs: number;
  log: SchedulerLog;
}): DrainLoop {
  return createDrainLoop({
    pollMs: opts.checkMs,
    drain: async () => {
      const taken = await closePreviousWeek(opts.deps, opts.change, opts.deps.today());
      for (const s of taken) {
        opts.log.info({ year: s.year, week: s.week, villages: s.villages }, 'week closed: snapshot taken');
      }
      return undefined;
    },
    onError: (err) => opts.log.error({ err }, 'weekly snapshot failed; retried at the next check'),
  });
}
