import type { ReportingDeps } from '../deps.js';

export interface RebuildResult {
  villageRows: number;
  groupRows: number;
  dailyRows: number;
  channelRows: number;
  ms: number;
}

/** Every counter recomputed from the published views in one transaction (`pnpm rebuild-counters`). */
export async function rebuildCounters(_deps: Pick<ReportingDeps, 'db'>): Promise<RebuildResult> {
  throw new Error('rebuildCounters: not built yet');
}
