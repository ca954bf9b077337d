import type { Db, ReportingDatabase } from '@rmi/db';
import type { Kysely } from 'kysely';

/**
 * Reporting's database: the events it receives (its own table) and, read-only, the views it reads
 * (`reporting.v_regions`, and `enrollment.v_enrollment_facts` and `enrollment.v_targets`, which
 * enrollment publishes). Any other table cannot be named through it.
 */
export type ReportingDb = Kysely<ReportingDatabase>;

/** The service's pool, seen through what reporting may touch. */
export function reportingDb(db: Db): ReportingDb {
  // Kysely is invariant in its tables, so narrowing is a cast; it only ever hides tables.
  return db as unknown as ReportingDb;
}
