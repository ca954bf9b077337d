import type { Db, PaymentDatabase } from '@rmi/db';
import type { Kysely } from 'kysely';

/**
 * payment-reconciliation's database: its own `payment` tables, and the enrolment view enrollment
 * publishes, read-only. A write to any other schema fails to compile.
 */
export type PaymentDb = Kysely<PaymentDatabase>;

/** The service's pool, seen through the tables it owns and the views it reads. */
export function paymentDb(db: Db): PaymentDb {
  // Kysely is invariant in its tables, so narrowing is a cast; it only ever hides tables.
  return db as unknown as PaymentDb;
}
