import type { Db, EnrollmentDatabase } from '@rmi/db';
import type { ChangeRunner } from '@rmi/service-kit';
import type { Kysely } from 'kysely';

/** Enrollment's database: only its own tables and those of `core` can be named through it. */
export type EnrollmentDb = Kysely<EnrollmentDatabase>;

/** How every write of enrollment runs: one transaction with its audit rows and outbox events. */
export type RunChange = ChangeRunner<EnrollmentDatabase>;

/** The service's pool, seen through the tables it owns. */
export function enrollmentDb(db: Db): EnrollmentDb {
  // Kysely is invariant in its tables, so narrowing is a cast; it only ever hides tables.
  return db as unknown as EnrollmentDb;
}

/**
 * A connection or transaction handed to shared code of `@rmi/db` and `@rmi/service-kit` (the policy
 * store, the region writer, the API-key repository), which is typed over the whole database.
 * Each of them writes only tables of `core`, which enrollment owns.
 */
export function asSharedDb(db: EnrollmentDb): Db {
  return db as unknown as Db;
}
