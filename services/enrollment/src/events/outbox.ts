import type { Database } from '@rmi/db';
import type { Kysely } from 'kysely';

/** Every event enrollment publishes; subscribers switch on `topic`. */
export type EnrollmentTopic =
  | 'person.registered'
  | 'person.updated'
  | 'household.changed'
  | 'enrolment.registered'
  | 'enrolment.paid'
  | 'enrolment.cancelled'
  | 'enrolment.transferred'
  | 'import.applied'
  | 'target.set';

/**
 * Writes an event into the outbox. Pass the transaction that made the change: the event commits
 * with it or not at all, and the outbox worker delivers it afterwards with retries.
 */
export async function recordEvent(
  trx: Kysely<Database>,
  topic: EnrollmentTopic,
  payload: Record<string, unknown>,
): Promise<void> {
  await trx
    .insertInto('enrollment.outbox')
    .values({ topic, payload: JSON.stringify(payload) })
    .execute();
}
