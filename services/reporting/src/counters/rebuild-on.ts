import type { Db } from '@rmi/db';
import { reportingDb } from '../db.js';
import { type RebuildResult, rebuildCounters } from './rebuild-counters.js';

/** The rebuild outside the service (`pnpm rebuild-counters`), on a pool the caller opened. */
export function rebuildCountersOn(db: Db): Promise<RebuildResult> {
  return rebuildCounters({ db: reportingDb(db) });
}
