import type { CashReceiptBody } from '@rmi/contracts';
import type { CashReceiptsTable, PaymentDatabase } from '@rmi/db';
import { shanghaiDateOf } from '@rmi/rules';
import { type Change, ConflictError, UnprocessableError } from '@rmi/service-kit';
import type { Selectable } from 'kysely';
import { type PaymentRow, recordPayment } from '../payments/record-payment.js';
import type { Collector } from './collector.js';

type ReceiptRow = Selectable<CashReceiptsTable>;

export interface CashReceiptAnswer {
  receiptNumber: string;
  paymentId: string;
  status: PaymentRow['status'];
  problem?: { code: string; detail: string | null };
}

export type ReceiptOutcome = { created: boolean; answer: CashReceiptAnswer };

/**
 * Both signatures (000 附件3 item 4: payer or agent and collector confirm name, ID number and tier)
 * or 422 SIGNATURE_MISSING naming each field left unsigned.
 */
export function assertSigned(body: Pick<CashReceiptBody, 'signedByPayer' | 'signedByCollector'>): void {
  const unsigned = (['signedByPayer', 'signedByCollector'] as const).filter((field) => body[field] !== true);
  if (unsigned.length === 0) return;
  throw new UnprocessableError(
    'SIGNATURE_MISSING',
    'A cash receipt is signed by the payer (or agent) and by the collector before it is recorded.',
    {
      errors: unsigned.map((field) => ({
        path: `body.${field}`,
        code: 'SIGNATURE_MISSING',
        message: field === 'signedByPayer' ? 'the payer or agent has not signed' : 'the collector has not signed',
      })),
    },
  );
}

/** What the payer handed over and who took it, as compared between two records of one receipt number. */
function sameReceipt(row: ReceiptRow, body: CashReceiptBody, village: string, collector: Collector): boolean {
  return (
    row.id_number === body.idNumber &&
    row.year === body.year &&
    row.tier === body.tier &&
    Number(row.amount_fen) === body.amountFen &&
    new Date(row.received_at).getTime() === new Date(body.receivedAt).getTime() &&
    row.village_code === village &&
    row.payer_name === (body.payerName ?? null) &&
    row.agent_name === (body.agentName ?? null) &&
    row.collector_key_id === collector.keyId
  );
}

function answerOf(receiptNumber: string, payment: PaymentRow): CashReceiptAnswer {
  return {
    receiptNumber,
    paymentId: payment.id,
    status: payment.status,
    ...(payment.problem_code === null
      ? {}
      : { problem: { code: payment.problem_code, detail: payment.problem_detail ?? null } }),
  };
}

const reused = (receiptNumber: string) =>
  new ConflictError(
    'RECEIPT_REUSED',
    `Receipt ${receiptNumber} was recorded with other content (person, year, tier, amount, time, village, names or collector).`,
    { receiptNumber },
  );

/**
 * A cash receipt in `change`: the payment on channel `cash` (voucher = receipt number) and the
 * receipt's ledger line commit together, so the ledger never holds cash that is not a payment nor
 * the reverse. Exactly once under races: `recordPayment` settles the payment on its (channel,
 * voucher) constraint, and the receipt insert does nothing on its primary key; the loser reads
 * what won and compares. The same receipt again answers the first result; other content is 409
 * RECEIPT_REUSED, as is a receipt number already used by a cash payment recorded without a receipt.
 */
export async function recordCashReceipt(
  change: Change<PaymentDatabase>,
  body: CashReceiptBody,
  village: string,
  collector: Collector,
): Promise<ReceiptOutcome> {
  const receivedAt = new Date(body.receivedAt);
  const recorded = await recordPayment(change, {
    channel: 'cash',
    voucherNumber: body.receiptNumber,
    idNumber: body.idNumber,
    year: body.year,
    tier: body.tier,
    amountFen: body.amountFen,
    assistanceFen: 0,
    paidAt: receivedAt,
    villageCode: village,
    payerName: body.payerName ?? null,
    source: 'cash',
    idempotencyKey: null,
  });
  if (recorded.kind === 'voucher-reused') throw reused(body.receiptNumber);

  const receivedOn = shanghaiDateOf(receivedAt);
  const inserted = await change.trx
    .insertInto('payment.cash_receipts')
    .values({
      receipt_number: body.receiptNumber,
      payment_id: recorded.payment.id,
      collector_key_id: collector.keyId,
      collector_name: collector.name,
      village_code: village,
      id_number: body.idNumber,
      year: body.year,
      tier: body.tier,
      amount_fen: body.amountFen,
      received_at: receivedAt,
      received_on: receivedOn,
      payer_name: body.payerName ?? null,
      agent_name: body.agentName ?? null,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('receipt_number')
    .executeTakeFirst();

  if (inserted) {
    // A new receipt always comes with its new payment; an existing payment without a receipt is a
    // cash payment recorded through another door, and its number is not free for a receipt.
    if (recorded.kind !== 'created') throw reused(body.receiptNumber);
    change.audit({
      action: 'cash.receive',
      entity: 'cash-receipt',
      entityId: body.receiptNumber,
      regionCode: village,
      details: { paymentId: recorded.payment.id, amountFen: body.amountFen, collector: collector.name },
    });
    change.emit('cash.received', {
      receiptNumber: body.receiptNumber,
      paymentId: recorded.payment.id,
      collector: collector.name,
      villageCode: village,
      amountFen: body.amountFen,
      receivedOn,
    });
    return { created: true, answer: answerOf(body.receiptNumber, recorded.payment) };
  }

  const existing = await change.trx
    .selectFrom('payment.cash_receipts')
    .selectAll()
    .where('receipt_number', '=', body.receiptNumber)
    .executeTakeFirstOrThrow();
  if (existing.payment_id !== recorded.payment.id || !sameReceipt(existing, body, village, collector)) {
    throw reused(body.receiptNumber);
  }
  return { created: false, answer: answerOf(body.receiptNumber, recorded.payment) };
}
