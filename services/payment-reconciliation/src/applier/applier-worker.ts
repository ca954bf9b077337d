import { setMaxListeners } from 'node:events';
import { type EnrollmentClient, type PaymentBatchItemInput, ServiceError } from '@rmi/clients';
import type { PaymentBatchResult } from '@rmi/contracts';
import { createDrainLoop } from '@rmi/outbox';
import type { PaymentDb } from '../db.js';
import {
  backOffPayments,
  type ClaimedPayment,
  type ClaimedReversal,
  claimDuePayments,
  claimDueReversals,
  type PaymentAnswer,
  type ReversalAnswer,
  writePaymentAnswers,
  writeReversalAnswers,
} from './applier-queue.js';

/** What the applier logs through; a fastify or pino logger fits. Counts only, never an ID number. */
export interface ApplierLog {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** The part of enrollment's client the applier calls. */
export type EnrollmentPayments = Pick<EnrollmentClient, 'applyEnrolmentPayments' | 'reverseEnrolmentPayment'>;

export interface ApplierOptions {
  db: PaymentDb;
  enrollment: EnrollmentPayments;
  log: ApplierLog;
  batchSize: number;
  pollMs: number;
  retryMs: number;
  /**
   * How long one round's calls to enrollment may take in all; they are cut off then. A claim holds
   * its rows this long, so no other applier sends them while they are being answered.
   */
  timeoutMs: number;
}

export interface Applier {
  start(): void;
  /** Stops waking up; resolves once the batch in flight, if any, has been answered and written. */
  stop(): Promise<void>;
  /** Looks for due payments and reversals now instead of at the next poll. */
  nudge(): void;
}

interface Round {
  claimed: number;
  /** Enrollment could not be reached or answered with an error for the whole round. */
  failed: boolean;
}

// Reversals are told one call each: this many calls are in flight at once, and a round claims at
// most this many, so a round's calls fit in the timeout as a batch's one call does.
const REVERSAL_CALLS = 8;
const REVERSALS_PER_ROUND = 64;

/** Why a call failed, for the log: a code and a status, never the message (it may quote a person). */
function failureOf(err: unknown): { code: string; status?: number } {
  if (err instanceof ServiceError) return { code: err.code, status: err.status };
  const code = (err as { code?: unknown } | null)?.code;
  return { code: typeof code === 'string' ? code : err instanceof Error ? err.name : 'UNKNOWN' };
}

const itemOf = (p: ClaimedPayment): PaymentBatchItemInput => ({
  paymentId: p.id,
  idNumber: p.id_number,
  year: p.year,
  paidOn: p.paid_on,
  amountFen: p.amount_fen,
  ...(p.tier !== null ? { tier: p.tier } : {}),
  ...(p.village_code !== null ? { regionCode: p.village_code } : {}),
  channel: p.channel,
});

const answerOf = (r: PaymentBatchResult & { paymentId: string }): PaymentAnswer =>
  r.status === 'refused'
    ? { id: r.paymentId, status: 'parked', code: r.code ?? 'REFUSED', detail: r.detail ?? null }
    : { id: r.paymentId, status: 'applied', code: null, detail: null };

/**
 * Enrollment said what the reversal was meant to achieve already holds: it has unpaid the
 * enrolment (the same reversal again answers 200), it never applied the payment
 * (PAYMENT_NOT_FOUND), or it had recorded this reversal and a later payment paid the enrolment
 * since (PAID_BY_ANOTHER_PAYMENT).
 */
function toldBy(err: ServiceError): boolean {
  return err.code === 'PAYMENT_NOT_FOUND' || err.code === 'PAID_BY_ANOTHER_PAYMENT';
}

async function eachLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/**
 * Takes recorded payments to enrollment and tells it of reversals (design: the payments table is
 * the outbox of application). Each round claims due rows in a statement of its own, calls
 * enrollment with no transaction open, then writes every answer in one statement. A crash between
 * the call and the write loses nothing: the claim lapses, and enrollment answers the next attempt
 * `already-applied` (it applies by payment id). Any number of replicas may run one: claims skip
 * each other's rows.
 */
export function createApplier(options: ApplierOptions): Applier {
  const { db, enrollment, log, batchSize, pollMs, retryMs, timeoutMs } = options;

  async function applyRound(): Promise<Round> {
    const claimed = await claimDuePayments(db, batchSize, timeoutMs);
    if (claimed.length === 0) return { claimed: 0, failed: false };
    let results: PaymentBatchResult[];
    try {
      ({ results } = await enrollment.applyEnrolmentPayments(claimed.map(itemOf), {
        signal: AbortSignal.timeout(timeoutMs),
      }));
    } catch (err) {
      await backOffPayments(
        db,
        claimed.map((p) => p.id),
        retryMs,
      );
      const attempts = Math.max(...claimed.map((p) => p.attempts));
      log.warn(
        { payments: claimed.length, attempts, ...failureOf(err) },
        'enrollment did not take the payments; retrying later',
      );
      return { claimed: claimed.length, failed: true };
    }
    const sent = new Set(claimed.map((p) => p.id));
    const answers = results
      .filter((r): r is PaymentBatchResult & { paymentId: string } => r.paymentId !== null && sent.has(r.paymentId))
      .map(answerOf);
    await writePaymentAnswers(db, answers);
    // An answer missing for a payment sent is a broken answer, not a refusal: that payment waits.
    const answered = new Set(answers.map((a) => a.id));
    const unanswered = claimed.filter((p) => !answered.has(p.id)).map((p) => p.id);
    await backOffPayments(db, unanswered, retryMs);
    const parked = answers.filter((a) => a.status === 'parked').length;
    log.info(
      { applied: answers.length - parked, parked, unanswered: unanswered.length },
      'payments taken to enrollment',
    );
    return { claimed: claimed.length, failed: false };
  }

  async function tell(reversal: ClaimedReversal, signal: AbortSignal): Promise<ReversalAnswer & { failure?: string }> {
    const paymentId = reversal.payment_id;
    try {
      await enrollment.reverseEnrolmentPayment(
        paymentId,
        { reversedOn: reversal.reversed_on, reason: reversal.reason },
        { signal },
      );
      return { paymentId, told: true, code: null };
    } catch (err) {
      if (err instanceof ServiceError && toldBy(err)) return { paymentId, told: true, code: null };
      // A refusal (INVALID_TRANSITION: the enrolment was transferred or cancelled) is kept on the
      // reversal and tried again as the facts may change; a failed call is simply tried again.
      const refused = err instanceof ServiceError && err.status >= 400 && err.status < 500;
      return { paymentId, told: false, code: refused ? err.code : null, failure: failureOf(err).code };
    }
  }

  async function reversalRound(): Promise<Round> {
    const claimed = await claimDueReversals(db, Math.min(batchSize, REVERSALS_PER_ROUND), timeoutMs);
    if (claimed.length === 0) return { claimed: 0, failed: false };
    // One deadline for the round's calls; each call listens on it (Node warns past 10 listeners).
    const signal = AbortSignal.timeout(timeoutMs);
    setMaxListeners(claimed.length + 1, signal);
    const answers = await eachLimited(claimed, REVERSAL_CALLS, (r) => tell(r, signal));
    await writeReversalAnswers(
      db,
      answers.map(({ paymentId, told, code }) => ({ paymentId, told, code })),
      retryMs,
    );
    const told = answers.filter((a) => a.told).length;
    const refused = answers.filter((a) => !a.told && a.code !== null).length;
    const failed = answers.length - told - refused;
    if (told > 0) log.info({ told }, 'reversals told to enrollment');
    if (refused + failed > 0) {
      const failures = [...new Set(answers.flatMap((a) => (a.failure ? [a.failure] : [])))];
      log.warn({ refused, failed, failures }, 'reversals not taken by enrollment; retrying later');
    }
    return { claimed: claimed.length, failed: failed > 0 };
  }

  return createDrainLoop({
    pollMs,
    /** Round after round until nothing is due, or enrollment stops answering, or stop() is called. */
    async drain(running) {
      for (;;) {
        const payments = await applyRound();
        const reversals = await reversalRound();
        if (!running()) return undefined;
        const progressed = (payments.claimed > 0 && !payments.failed) || (reversals.claimed > 0 && !reversals.failed);
        if (!progressed) return undefined;
      }
    },
    onError(err) {
      log.error(failureOf(err), 'applying payments broke off; retrying at the next poll');
    },
  });
}
