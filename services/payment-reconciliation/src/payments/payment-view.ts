import type { Payment, RecordedPayment } from '@rmi/contracts';
import type { PaymentRow } from './record-payment.js';

/** A payment with its reversal, if any, as the repository reads it. */
export type PaymentWithReversal = PaymentRow & {
  reversed_at: Date | null;
  reversed_on: string | null;
  reversal_reason: string | null;
  reversal_voucher_number: string | null;
  reversal_told_at: Date | null;
};

const problemOf = (row: PaymentRow) =>
  row.problem_code === null ? null : { code: row.problem_code, detail: row.problem_detail };

/** The answer of POST /v1/payments: the payment's id and where it is in the queue to enrollment. */
export function toRecordedPayment(row: PaymentRow): RecordedPayment {
  const problem = problemOf(row);
  return { paymentId: row.id, status: row.status, ...(problem ? { problem } : {}) };
}

/** A payment as contracts' PaymentSchema shows it. */
export function toPayment(row: PaymentWithReversal): Payment {
  return {
    paymentId: row.id,
    channel: row.channel,
    voucherNumber: row.voucher_number,
    idNumber: row.id_number,
    year: row.year,
    tier: row.tier,
    amountFen: Number(row.amount_fen),
    assistanceFen: Number(row.assistance_fen),
    paidAt: new Date(row.paid_at).toISOString(),
    paidOn: row.paid_on,
    villageCode: row.village_code,
    payerName: row.payer_name,
    source: row.source,
    importId: row.import_id,
    status: row.status,
    problem: problemOf(row),
    attempts: row.attempts,
    appliedAt: row.applied_at ? new Date(row.applied_at).toISOString() : null,
    recordedAt: new Date(row.recorded_at).toISOString(),
    reversal:
      row.reversed_at === null
        ? null
        : {
            reversedAt: new Date(row.reversed_at).toISOString(),
            reversedOn: row.reversed_on as string,
            reason: row.reversal_reason as string,
            voucherNumber: row.reversal_voucher_number,
            // A payment enrollment never applied has nothing to undo there. One applied is undone
            // once the applier has told enrollment (told_at).
            toldEnrollment: row.reversal_told_at !== null || row.status !== 'applied',
          },
  };
}
