import type { PaymentDatabase, PaymentSource } from '@rmi/db';
import { shanghaiDateOf } from '@rmi/rules';
import { type Change, ConflictError } from '@rmi/service-kit';
import type { PaymentRow } from './record-payment.js';

export interface ReversalInput {
  reversedAt: Date;
  reason: string;
  voucherNumber: string | null;
  source: PaymentSource;
}

/**
 * Records the reversal (冲正) of `payment` in `change`, once however many callers race: the
 * reversal is keyed by the payment, so a second one finds the first and is 409 ALREADY_REVERSED.
 * Audited and published (`payment.reversed`); the applier then tells enrollment, which unpays the
 * enrolment, or never applies the payment if it had not yet.
 */
export async function reversePayment(
  change: Change<PaymentDatabase>,
  payment: PaymentRow,
  input: ReversalInput,
): Promise<void> {
  const reversedOn = shanghaiDateOf(input.reversedAt);
  const inserted = await change.trx
    .insertInto('payment.reversals')
    .values({
      payment_id: payment.id,
      reversed_at: input.reversedAt,
      reversed_on: reversedOn,
      reason: input.reason,
      voucher_number: input.voucherNumber,
      source: input.source,
      recorded_by: change.actor.keyId,
    })
    .onConflict((oc) => oc.column('payment_id').doNothing())
    .returning('payment_id')
    .executeTakeFirst();
  if (!inserted) {
    const first = await change.trx
      .selectFrom('payment.reversals')
      .select('reversed_on')
      .where('payment_id', '=', payment.id)
      .executeTakeFirstOrThrow();
    throw new ConflictError('ALREADY_REVERSED', `Payment ${payment.id} was already reversed on ${first.reversed_on}.`, {
      paymentId: payment.id,
      reversedOn: first.reversed_on,
    });
  }
  change.audit({
    action: 'payment.reverse',
    entity: 'payment',
    entityId: payment.id,
    regionCode: payment.village_code,
    details: { channel: payment.channel, voucherNumber: payment.voucher_number, reversedOn, reason: input.reason },
  });
  change.emit('payment.reversed', {
    paymentId: payment.id,
    channel: payment.channel,
    idNumber: payment.id_number,
    year: payment.year,
    villageCode: payment.village_code,
    amountFen: Number(payment.amount_fen),
    assistanceFen: Number(payment.assistance_fen),
    reversedOn,
  });
}
