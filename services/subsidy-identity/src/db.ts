import type { Db, IdentityDatabase } from '@rmi/db';
import type { Kysely } from 'kysely';

/** subsidy-identity's database: only its own `identity` tables can be named through it. */
export type IdentityDb = Kysely<IdentityDatabase>;

/** The service's pool, seen through the tables it owns. */
export function identityDb(db: Db): IdentityDb {
  // Kysely is invariant in its tables, so narrowing is a cast; it only ever hides tables.
  return db as unknown as IdentityDb;
}
