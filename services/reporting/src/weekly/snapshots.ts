import type { ReportingDeps } from '../deps.js';

export interface SnapshotRef {
  id: string;
  year: number;
  week: string;
  closed: boolean;
  takenAt: string;
}

/**
 * The snapshot of the ISO week holding `day` for a year, if one was taken; its village rows are
 * `reporting.snapshot_villages` (the same counts as `reporting.village_counters`).
 */
export async function snapshotFor(_deps: ReportingDeps, _year: number, _day: string): Promise<SnapshotRef | undefined> {
  throw new Error('snapshotFor: not built yet');
}
