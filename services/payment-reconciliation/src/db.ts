import type { Db, PaymentDatabase } from '@rmi/db';
import type { ChangeRunner } from '@rmi/service-kit';
import type { Kysely } from 'kysely';

/**
 * payment-reconciliation's database: its own `payment` tables, and read-only the views it
 * reconciles against (enrollment's enrolments, subsidy-identity's identity spells). A write to
 * any other schema fails to compile.
 */
export type PaymentDb = Kysely<PaymentDatabase>;

/** How every write of payment-reconciliation runs: one transaction with its audit rows and outbox events. */
export type RunChange = ChangeRunner<PaymentDatabase>;

/** The service's pool, seen through the tables it owns and the views it reads. */
export function paymentDb(db: Db): PaymentDb {
  // Kysely is invariant in its tables, so narrowing is a cast; it only ever hides tables.
  return db as unknown as PaymentDb;
}
