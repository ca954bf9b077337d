import { sql } from 'kysely';
import type { PaymentDb } from '../db.js';
import { leaseUntil, nextAttemptAfterFailure } from './retry-delay.js';

// The applier's statements over `payment.payments` and `payment.reversals`: each one statement,
// committed on its own, so no transaction stays open while enrollment is called.

/** A payment claimed for one call to enrollment. */
export interface ClaimedPayment {
  id: string;
  id_number: string;
  year: number;
  paid_on: string;
  amount_fen: number;
  tier: 1 | 2 | null;
  village_code: string | null;
  channel: string;
  attempts: number;
}

/** What enrollment answered for one payment. */
export interface PaymentAnswer {
  id: string;
  status: 'applied' | 'parked';
  code: string | null;
  detail: string | null;
}

/** A reversal claimed to be told to enrollment. */
export interface ClaimedReversal {
  payment_id: string;
  reversed_on: string;
  reason: string;
  attempts: number;
}

/** What became of telling enrollment one reversal. */
export interface ReversalAnswer {
  paymentId: string;
  told: boolean;
  /** Enrollment's refusal, kept on the reversal; null for a failure of the call itself. */
  code: string | null;
}

/**
 * Claims up to `limit` recorded payments whose time has come and that no reversal cancels: their
 * next_attempt_at moves `leaseMs` ahead (the lease: another applier skips them, and a crashed one's
 * claim lapses by itself) and the attempt is counted. Rows another applier is claiming right now
 * are skipped, not waited for.
 */
export async function claimDuePayments(db: PaymentDb, limit: number, leaseMs: number): Promise<ClaimedPayment[]> {
  const { rows } = await sql<ClaimedPayment>`
    with due as (
      select p.id from payment.payments p
      where p.status = 'recorded' and p.next_attempt_at <= now()
        and not exists (select from payment.reversals r where r.payment_id = p.id)
      order by p.next_attempt_at
      limit ${limit}
      for update of p skip locked
    )
    update payment.payments p
    set next_attempt_at = ${leaseUntil(leaseMs)}, attempts = p.attempts + 1, updated_at = now()
    from due
    where p.id = due.id
    returning p.id, p.id_number, p.year, p.paid_on, p.amount_fen, p.tier, p.village_code, p.channel, p.attempts`.execute(
    db,
  );
  return rows.map((r) => ({ ...r, amount_fen: Number(r.amount_fen) }));
}

/**
 * Writes enrollment's answers, all in one statement: applied (or applied before) payments are
 * `applied`, refused ones `parked` with enrollment's code. Only rows still `recorded` change: an
 * answer never overwrites what happened to the payment meanwhile.
 */
export async function writePaymentAnswers(db: PaymentDb, answers: readonly PaymentAnswer[]): Promise<void> {
  if (answers.length === 0) return;
  await sql`
    update payment.payments p
    set status = a.status,
        problem_code = a.code,
        problem_detail = a.detail,
        applied_at = case when a.status = 'applied' then now() end,
        updated_at = now()
    from jsonb_to_recordset(${JSON.stringify(answers)}::jsonb) as a(id text, status text, code text, detail text)
    where p.id = a.id and p.status = 'recorded'`.execute(db);
}

/** Payments enrollment did not answer (down, busy, a broken call): recorded still, tried again later. */
export async function backOffPayments(db: PaymentDb, ids: readonly string[], retryMs: number): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    update payment.payments
    set next_attempt_at = ${nextAttemptAfterFailure(sql<number>`attempts`, retryMs)}, updated_at = now()
    where id = any(${ids}::text[]) and status = 'recorded'`.execute(db);
}

/**
 * Claims up to `limit` reversals enrollment has not been told of, whose payment it applied. A
 * reversal of a payment never applied has nothing to tell; one whose payment was in flight when
 * it was recorded is claimed here as soon as the payment comes back `applied`.
 */
export async function claimDueReversals(db: PaymentDb, limit: number, leaseMs: number): Promise<ClaimedReversal[]> {
  const { rows } = await sql<ClaimedReversal>`
    with due as (
      select r.payment_id from payment.reversals r
      join payment.payments p on p.id = r.payment_id
      where r.told_at is null and r.next_attempt_at <= now() and p.status = 'applied'
      order by r.next_attempt_at
      limit ${limit}
      for update of r skip locked
    )
    update payment.reversals r
    set next_attempt_at = ${leaseUntil(leaseMs)}, attempts = r.attempts + 1
    from due
    where r.payment_id = due.payment_id
    returning r.payment_id, r.reversed_on, r.reason, r.attempts`.execute(db);
  return rows;
}

/**
 * Writes what telling enrollment gave, all in one statement: told reversals get `told_at`; the
 * others wait as failed payments do, keeping enrollment's refusal code when there was one.
 */
export async function writeReversalAnswers(
  db: PaymentDb,
  answers: readonly ReversalAnswer[],
  retryMs: number,
): Promise<void> {
  if (answers.length === 0) return;
  await sql`
    update payment.reversals r
    set told_at = case when a.told then now() end,
        problem_code = case when a.told then null else coalesce(a.code, r.problem_code) end,
        next_attempt_at = case when a.told then r.next_attempt_at
                          else ${nextAttemptAfterFailure(sql<number>`r.attempts`, retryMs)} end
    from jsonb_to_recordset(${JSON.stringify(answers)}::jsonb) as a("paymentId" text, told boolean, code text)
    where r.payment_id = a."paymentId" and r.told_at is null`.execute(db);
}
