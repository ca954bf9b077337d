import type { ReportingDatabase } from '@rmi/db';
import { isoWeekOf } from '@rmi/rules';
import { type Kysely, sql } from 'kysely';
import type { ReportingDeps } from '../deps.js';

// Finding a week's snapshot: progress reads one for `asOf`, the weekly report for its week and
// the one before. Taking snapshots is weekly/snapshots.ts.

export interface SnapshotRef {
  id: string;
  year: number;
  week: string;
  closed: boolean;
  takenAt: string;
}

type Db = Kysely<ReportingDatabase>;

// database.ts declares `taken_at` as Generated<Timestamp>, which selects as the column type
// itself: read it as the Date pg gives.
export const takenAt = (column: 'taken_at' | 's.taken_at') => sql<Date>`${sql.ref(column)}`.as('taken_at');

/**
 * The snapshot of the ISO week holding `day` for a year, if one was taken; its village rows are
 * `reporting.snapshot_villages` (the same counts as `reporting.village_counters`).
 */
export async function snapshotFor(deps: ReportingDeps, year: number, day: string): Promise<SnapshotRef | undefined> {
  return snapshotOfWeek(deps.db, year, isoWeekOf(day));
}

/** The snapshot of a year labelled `week`, if one was taken. */
export async function snapshotOfWeek(db: Db, year: number, week: string): Promise<SnapshotRef | undefined> {
  const row = await db
    .selectFrom('reporting.snapshots')
    .select(['id', 'year', 'week', 'closed', takenAt('taken_at')])
    .where('year', '=', year)
    .where('week', '=', week)
    .executeTakeFirst();
  return row && { id: row.id, year: row.year, week: row.week, closed: row.closed, takenAt: row.taken_at.toISOString() };
}
