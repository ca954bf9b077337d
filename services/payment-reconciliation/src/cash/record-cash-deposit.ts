import type { CashDepositBody } from '@rmi/contracts';
import type { CashDepositsTable, PaymentDatabase } from '@rmi/db';
import { shanghaiDateOf } from '@rmi/rules';
import {
  type Change,
  ConflictError,
  NotFoundError,
  OutOfScopeError,
  UnprocessableError,
  ValidationError,
} from '@rmi/service-kit';
import type { Selectable } from 'kysely';
import type { Collector } from './collector.js';

type DepositRow = Selectable<CashDepositsTable>;

export interface CashDepositAnswer {
  depositId: string;
  bankSlipNumber: string;
  depositedOn: string;
  amountFen: number;
  receiptNumbers: string[];
}

export type DepositOutcome = { created: boolean; answer: CashDepositAnswer };

/** A receipt number listed twice would be counted twice in the sum: 400 naming each repeat. */
export function assertDistinctReceipts(receiptNumbers: readonly string[]): void {
  const seen = new Set<string>();
  const errors = [];
  for (const [i, n] of receiptNumbers.entries()) {
    if (seen.has(n)) errors.push({ path: `body.receiptNumbers.${i}`, message: `receipt ${n} is listed twice` });
    seen.add(n);
  }
  if (errors.length > 0) throw new ValidationError(errors);
}

const sorted = (numbers: readonly string[]) => [...numbers].sort();

function answerOf(deposit: DepositRow, receiptNumbers: readonly string[]): CashDepositAnswer {
  return {
    depositId: deposit.id,
    bankSlipNumber: deposit.bank_slip_number,
    depositedOn: deposit.deposited_on,
    amountFen: Number(deposit.amount_fen),
    receiptNumbers: sorted(receiptNumbers),
  };
}

/**
 * The deposit already recorded under this bank slip, if any: the same content (collector, instant,
 * amount, receipts) answers it again; other content is 409 BANK_SLIP_REUSED.
 */
async function depositBySlip(
  change: Change<PaymentDatabase>,
  body: CashDepositBody,
  collectorKeyId: string | null,
): Promise<CashDepositAnswer | null> {
  const { trx } = change;
  const deposit = await trx
    .selectFrom('payment.cash_deposits')
    .selectAll()
    .where('bank_slip_number', '=', body.bankSlipNumber)
    .executeTakeFirst();
  if (!deposit) return null;
  const banked = await trx
    .selectFrom('payment.cash_receipts')
    .select('receipt_number')
    .where('deposit_id', '=', deposit.id)
    .execute();
  const numbers = banked.map((r) => r.receipt_number);
  const same =
    deposit.collector_key_id === collectorKeyId &&
    new Date(deposit.deposited_at).getTime() === new Date(body.depositedAt).getTime() &&
    Number(deposit.amount_fen) === body.amountFen &&
    sorted(numbers).join('\n') === sorted(body.receiptNumbers).join('\n');
  if (!same) {
    throw new ConflictError(
      'BANK_SLIP_REUSED',
      `Bank slip ${body.bankSlipNumber} was recorded for another deposit (receipts, amount or time differ).`,
      { bankSlipNumber: body.bankSlipNumber, depositId: deposit.id },
    );
  }
  return answerOf(deposit, numbers);
}

/**
 * Banks a collector's receipts (000 附件3 item 5): the receipts must exist (404
 * RECEIPT_NOT_FOUND), be the collector's own (403), sum to the amount on the slip (422
 * DEPOSIT_MISMATCH with `expectedFen`), be received before the deposit (422
 * DEPOSIT_BEFORE_RECEIPT) and not banked already (409 RECEIPT_ALREADY_DEPOSITED naming them).
 *
 * The receipts are locked first, in receipt-number order, so two deposits of overlapping receipts
 * queue on them instead of deadlocking; the later one then sees them banked. The bank slip is
 * looked up after the lock, so a retry racing its own first attempt answers that deposit (200). The
 * update `where deposit_id is null` and its count are what finally decides: exactly one deposit
 * takes a receipt, whatever ran meanwhile.
 *
 * An administrator may bank any collector's receipts, one collector per deposit; a collector only
 * its own.
 */
export async function recordCashDeposit(
  change: Change<PaymentDatabase>,
  body: CashDepositBody,
  collector: Collector,
): Promise<DepositOutcome> {
  const { trx, actor } = change;
  const asAdmin = actor.role === 'admin';
  const receipts = await trx
    .selectFrom('payment.cash_receipts')
    .select([
      'receipt_number',
      'collector_key_id',
      'collector_name',
      'village_code',
      'amount_fen',
      'received_at',
      'deposit_id',
    ])
    .where('receipt_number', 'in', body.receiptNumbers)
    .orderBy('receipt_number')
    .forUpdate()
    .execute();

  // The collector the deposit is for: the caller, or for an administrator the receipts' own.
  const owners = new Map(receipts.map((r) => [r.collector_key_id, r.collector_name]));
  if (asAdmin && owners.size > 1) {
    throw new ValidationError([{ path: 'body.receiptNumbers', message: 'receipts of one collector per deposit' }]);
  }
  const [ownerKey, ownerName] = owners.entries().next().value ?? [collector.keyId, collector.name];
  const holder: Collector = asAdmin ? { keyId: ownerKey, name: ownerName } : collector;

  const again = await depositBySlip(change, body, holder.keyId);
  if (again) return { created: false, answer: again };

  const found = new Set(receipts.map((r) => r.receipt_number));
  const missing = body.receiptNumbers.filter((n) => !found.has(n));
  if (missing.length > 0) {
    throw new NotFoundError('RECEIPT_NOT_FOUND', `No cash receipt numbered ${missing.join(', ')}.`);
  }
  const others = receipts.filter((r) => r.collector_key_id !== holder.keyId).map((r) => r.receipt_number);
  if (others.length > 0) throw new OutOfScopeError(`Receipts ${others.join(', ')} of another collector`);

  const expectedFen = receipts.reduce((sum, r) => sum + Number(r.amount_fen), 0);
  if (expectedFen !== body.amountFen) {
    throw new UnprocessableError(
      'DEPOSIT_MISMATCH',
      `The receipts sum to ${expectedFen} fen, the deposit is ${body.amountFen} fen.`,
      {
        expectedFen,
        amountFen: body.amountFen,
        errors: [{ path: 'body.amountFen', message: `expected ${expectedFen}` }],
      },
    );
  }
  const depositedAt = new Date(body.depositedAt);
  const early = receipts.filter((r) => new Date(r.received_at).getTime() > depositedAt.getTime());
  if (early.length > 0) {
    throw new UnprocessableError(
      'DEPOSIT_BEFORE_RECEIPT',
      `Receipts ${early.map((r) => r.receipt_number).join(', ')} were received after the deposit time.`,
      { receiptNumbers: early.map((r) => r.receipt_number) },
    );
  }
  const banked = receipts.filter((r) => r.deposit_id !== null);
  if (banked.length > 0) throw alreadyDeposited(banked.map((r) => r.receipt_number));

  const villages = new Set(receipts.map((r) => r.village_code));
  const deposit = await trx
    .insertInto('payment.cash_deposits')
    .values({
      bank_slip_number: body.bankSlipNumber,
      collector_key_id: holder.keyId,
      collector_name: holder.name,
      region_code: villages.size === 1 ? (receipts[0]?.village_code ?? null) : actor.regionCode,
      deposited_at: depositedAt,
      deposited_on: shanghaiDateOf(depositedAt),
      amount_fen: body.amountFen,
    })
    .onConflict((oc) => oc.column('bank_slip_number').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!deposit) {
    // The same slip committed by another request since the look-up above.
    const raced = await depositBySlip(change, body, holder.keyId);
    if (raced) return { created: false, answer: raced };
    throw new Error(`bank slip ${body.bankSlipNumber} conflicted but cannot be read`);
  }

  const taken = await trx
    .updateTable('payment.cash_receipts')
    .set({ deposit_id: deposit.id })
    .where('receipt_number', 'in', body.receiptNumbers)
    .where('deposit_id', 'is', null)
    .returning('receipt_number')
    .execute();
  if (taken.length !== body.receiptNumbers.length) {
    const got = new Set(taken.map((r) => r.receipt_number));
    throw alreadyDeposited(body.receiptNumbers.filter((n) => !got.has(n)));
  }

  const receiptNumbers = sorted(body.receiptNumbers);
  change.audit({
    action: 'cash.deposit',
    entity: 'cash-deposit',
    entityId: deposit.id,
    regionCode: deposit.region_code,
    details: { bankSlipNumber: body.bankSlipNumber, amountFen: body.amountFen, receipts: receiptNumbers.length },
  });
  change.emit('cash.deposited', {
    depositId: deposit.id,
    collector: holder.name,
    amountFen: body.amountFen,
    depositedOn: deposit.deposited_on,
    receiptNumbers,
  });
  return { created: true, answer: answerOf(deposit, receiptNumbers) };
}

function alreadyDeposited(receiptNumbers: string[]): ConflictError {
  return new ConflictError('RECEIPT_ALREADY_DEPOSITED', `Receipts ${receiptNumbers.join(', ')} are banked already.`, {
    receiptNumbers: sorted(receiptNumbers),
  });
}
