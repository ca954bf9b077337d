import type { PaymentDatabase } from '@rmi/db';
import { type Change, ConflictError, NotFoundError } from '@rmi/service-kit';
import { sql } from 'kysely';

/**
 * Puts a parked payment back in the queue to enrollment in `change`, once its facts are fixed: due
 * now, its problem cleared, its attempts kept (they tell how often it was tried). Only a parked
 * payment is retried (409 NOT_PARKED), and never a reversed one (409 PAYMENT_REVERSED).
 */
export async function retryPayment(change: Change<PaymentDatabase>, paymentId: string): Promise<void> {
  const { trx } = change;
  // Locked: a reversal being recorded meanwhile (its key share lock) is waited for, then seen.
  const payment = await trx
    .selectFrom('payment.payments')
    .select(['id', 'status', 'problem_code', 'village_code', 'attempts'])
    .where('id', '=', paymentId)
    .forUpdate()
    .executeTakeFirst();
  if (!payment) throw new NotFoundError('PAYMENT_NOT_FOUND', `No payment ${paymentId}.`);
  if (payment.status !== 'parked') {
    throw new ConflictError(
      'NOT_PARKED',
      `Payment ${paymentId} is ${payment.status}: only a parked payment is retried.`,
      {
        status: payment.status,
      },
    );
  }
  const reversal = await trx
    .selectFrom('payment.reversals')
    .select('reversed_on')
    .where('payment_id', '=', paymentId)
    .executeTakeFirst();
  if (reversal) {
    throw new ConflictError(
      'PAYMENT_REVERSED',
      `Payment ${paymentId} was reversed on ${reversal.reversed_on}: it is never applied.`,
      { reversedOn: reversal.reversed_on },
    );
  }
  await trx
    .updateTable('payment.payments')
    .set({
      status: 'recorded',
      problem_code: null,
      problem_detail: null,
      next_attempt_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('id', '=', paymentId)
    .execute();
  change.audit({
    action: 'payment.retry',
    entity: 'payment',
    entityId: paymentId,
    regionCode: payment.village_code,
    details: { problemCode: payment.problem_code, attempts: payment.attempts },
  });
}
