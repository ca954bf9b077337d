import type { PaymentDatabase, PaymentSource, PaymentsTable } from '@rmi/db';
import { shanghaiDateOf } from '@rmi/rules';
import type { Change } from '@rmi/service-kit';
import type { Selectable } from 'kysely';

export type PaymentRow = Selectable<PaymentsTable>;

/** One payment as it arrived, from any door (the API, a cash receipt). */
export interface PaymentInput {
  channel: string;
  voucherNumber: string;
  idNumber: string;
  year: number;
  tier: 1 | 2 | null;
  amountFen: number;
  assistanceFen: number;
  paidAt: Date;
  villageCode: string | null;
  payerName: string | null;
  source: PaymentSource;
  idempotencyKey: string | null;
}

export type RecordOutcome =
  /** A new payment: it waits in the queue to be applied to its enrolment. */
  | { kind: 'created'; payment: PaymentRow }
  /** The same key, or the same voucher with the same content: the first payment, unchanged. */
  | { kind: 'existing'; payment: PaymentRow }
  /** The voucher was recorded with other content (VOUCHER_REUSED). */
  | { kind: 'voucher-reused'; payment: PaymentRow };

/** What the payer sent, as compared between two records of one voucher. */
export function sameContent(row: PaymentRow, input: PaymentInput): boolean {
  return (
    row.id_number === input.idNumber &&
    row.year === input.year &&
    (row.tier ?? null) === input.tier &&
    Number(row.amount_fen) === input.amountFen &&
    Number(row.assistance_fen) === input.assistanceFen &&
    new Date(row.paid_at).getTime() === input.paidAt.getTime()
  );
}

/**
 * Records one payment in `change`, exactly once however many callers race: the insert does
 * nothing on either uniqueness (the caller's Idempotency-Key, the (channel, voucher) constraint),
 * and the row that won is read back and compared. A new payment is audited and published
 * (`payment.recorded`); the applier then takes it to enrollment.
 */
export async function recordPayment(change: Change<PaymentDatabase>, input: PaymentInput): Promise<RecordOutcome> {
  const { trx, actor } = change;
  const recordedBy = actor.keyId;
  const inserted = await trx
    .insertInto('payment.payments')
    .values({
      channel: input.channel,
      voucher_number: input.voucherNumber,
      id_number: input.idNumber,
      year: input.year,
      tier: input.tier,
      amount_fen: input.amountFen,
      assistance_fen: input.assistanceFen,
      paid_at: input.paidAt,
      paid_on: shanghaiDateOf(input.paidAt),
      village_code: input.villageCode,
      payer_name: input.payerName,
      source: input.source,
      idempotency_key: input.idempotencyKey,
      recorded_by: recordedBy,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();

  if (inserted) {
    change.audit({
      action: 'payment.record',
      entity: 'payment',
      entityId: inserted.id,
      regionCode: inserted.village_code,
      details: { channel: inserted.channel, voucherNumber: inserted.voucher_number, amountFen: input.amountFen },
    });
    change.emit('payment.recorded', {
      paymentId: inserted.id,
      channel: inserted.channel,
      idNumber: inserted.id_number,
      year: inserted.year,
      villageCode: inserted.village_code,
      amountFen: Number(inserted.amount_fen),
      assistanceFen: Number(inserted.assistance_fen),
      paidOn: inserted.paid_on,
    });
    return { kind: 'created', payment: inserted };
  }

  // The key first: a retry with the same key answers the first payment even if its body differs.
  if (input.idempotencyKey !== null) {
    const byKey = await trx
      .selectFrom('payment.payments')
      .selectAll()
      .where('idempotency_key', '=', input.idempotencyKey)
      .where('recorded_by', recordedBy === null ? 'is' : '=', recordedBy)
      .executeTakeFirst();
    if (byKey) return { kind: 'existing', payment: byKey };
  }
  const byVoucher = await trx
    .selectFrom('payment.payments')
    .selectAll()
    .where('channel', '=', input.channel)
    .where('voucher_number', '=', input.voucherNumber)
    .executeTakeFirstOrThrow();
  return sameContent(byVoucher, input)
    ? { kind: 'existing', payment: byVoucher }
    : { kind: 'voucher-reused', payment: byVoucher };
}
