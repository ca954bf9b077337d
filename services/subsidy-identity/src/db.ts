import type { Db, IdentityDatabase } from '@rmi/db';
import type { ChangeRunner } from '@rmi/service-kit';
import type { Kysely } from 'kysely';

/**
 * subsidy-identity's database: its own `identity` tables, and read-only the views it reads
 * (enrollment's enrolments for rosters, the division tree, the policies in force).
 */
export type IdentityDb = Kysely<IdentityDatabase>;

/** How every write of subsidy-identity runs: one transaction with its audit rows and outbox events. */
export type RunChange = ChangeRunner<IdentityDatabase>;

/** The service's pool, seen through the tables it owns. */
export function identityDb(db: Db): IdentityDb {
  // Kysely is invariant in its tables, so narrowing is a cast; it only ever hides tables.
  return db as unknown as IdentityDb;
}
