import type { EnrollmentDatabase } from '@rmi/db';
import { maskIdNumber } from '@rmi/rules';
import { type Change, ConflictError, NotFoundError } from '@rmi/service-kit';
import { createPersonsRepository } from '../persons/persons.repository.js';
import { createEnrolmentsRepository, type EnrolmentRow } from './enrolments.repository.js';
import { cancelIn, type Reversal, unpayIn } from './transitions.js';

/**
 * Reverses a payment (冲正) inside `change`: the enrolment it paid is registered again, unpaid
 * (transitions.ts). Idempotent by payment id: a payment already reversed answers `reversed: false`
 * with the enrolment as it is, unless another payment has paid it since (409). A payment never
 * applied is 404, for the caller to retry once its application has gone through.
 *
 * A person who has died by then has their unpaid registration cancelled as of the day of death,
 * as every unpaid registration of theirs was when the death was recorded (record-death.ts).
 */
export async function reversePaymentIn(
  change: Change<EnrollmentDatabase>,
  reversal: Reversal,
): Promise<{ reversed: boolean; row: EnrolmentRow }> {
  const repo = createEnrolmentsRepository(change.trx);
  const { paymentId } = reversal;
  // Read unlocked to learn whose payment it is; then the person before the enrolment, the order
  // payments and deaths lock in, so a reversal and a death queue instead of deadlocking.
  const paid = await repo.findByPaymentId(paymentId);
  if (paid) {
    const person = await createPersonsRepository(change.trx).findForShare(paid.id_number);
    const current = await repo.findForUpdate(paid.id_number, paid.year);
    // A concurrent reversal of the same payment may have committed while we waited for the lock.
    if (current && current.payment_id === paymentId) {
      const unpaid = await unpayIn(change, current, reversal);
      const diedOn = person?.died_on ?? null;
      return { reversed: true, row: diedOn === null ? unpaid : await cancelIn(change, unpaid, 'death', diedOn) };
    }
  }
  const reversed = await repo.findReversal(paymentId);
  const row = reversed && (await repo.find(reversed.id_number, reversed.year));
  if (!reversed || !row) {
    throw new NotFoundError('PAYMENT_NOT_FOUND', `No payment ${paymentId} has been applied to an enrolment.`);
  }
  if (row.payment_id !== null) {
    throw new ConflictError(
      'PAID_BY_ANOTHER_PAYMENT',
      `Payment ${paymentId} was reversed on ${reversed.reversed_on}; the ${row.year} enrolment of ` +
        `${maskIdNumber(row.id_number)} has since been paid by payment ${row.payment_id}.`,
      { paymentId: row.payment_id, reversedOn: reversed.reversed_on },
    );
  }
  return { reversed: false, row };
}
