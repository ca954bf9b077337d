import type { EnrollmentDatabase } from '@rmi/db';
import { maskIdNumber } from '@rmi/rules';
import { type Change, ConflictError } from '@rmi/service-kit';
import { createEnrolmentsRepository, type EnrolmentRow } from './enrolments.repository.js';

type Changes = Parameters<ReturnType<typeof createEnrolmentsRepository>['update']>[2];

/**
 * Moves an enrolment the caller has locked to its next state inside `change`, with its audit row
 * and its event: the one way an enrolment is cancelled or transferred, by an operator or by a death.
 */
export async function transitionIn(
  change: Change<EnrollmentDatabase>,
  current: EnrolmentRow,
  topic: 'enrolment.cancelled' | 'enrolment.transferred',
  next: Changes,
): Promise<EnrolmentRow> {
  const { id_number: idNumber, year } = current;
  const updated = await createEnrolmentsRepository(change.trx).update(idNumber, year, next);
  change.audit({
    action: topic,
    entity: 'enrolment',
    entityId: `${maskIdNumber(idNumber)}/${year}`,
    regionCode: updated.region_code,
    details: { from: current.status, to: updated.status },
  });
  change.emit(topic, { idNumber, year, regionCode: updated.region_code, status: updated.status });
  return updated;
}

/** Cancels a locked enrolment for `reason` as of `on`; one already cancelled or transferred is 409. */
export function cancelIn(
  change: Change<EnrollmentDatabase>,
  current: EnrolmentRow,
  reason: 'death' | 'moved' | 'duplicate',
  on: string,
): Promise<EnrolmentRow> {
  if (current.status === 'cancelled' || current.status === 'transferred') {
    throw new ConflictError('INVALID_TRANSITION', `A ${current.status} enrolment cannot be cancelled.`);
  }
  return transitionIn(change, current, 'enrolment.cancelled', {
    status: 'cancelled',
    cancel_reason: reason,
    cancelled_on: on,
  });
}

/** A payment's reversal (冲正) as payment-reconciliation reports it. */
export interface Reversal {
  paymentId: string;
  reversedOn: string;
  reason: string;
}

/**
 * Reverses the payment of a locked enrolment it paid: paid → registered, unpaid again. Everything
 * the payment fixed is cleared with it (amounts, identities, policy version, benefit period), since
 * the next payment fixes them anew from the rules of its own day (003#五). What was cleared is kept
 * in the audit row and in `enrollment.payment_reversals`, which answers the reversal repeated.
 * Only a paid enrolment is unpaid: one since transferred or cancelled keeps its record (409).
 */
export async function unpayIn(
  change: Change<EnrollmentDatabase>,
  current: EnrolmentRow,
  reversal: Reversal,
): Promise<EnrolmentRow> {
  const { id_number: idNumber, year } = current;
  if (current.status !== 'paid' || current.payment_id !== reversal.paymentId) {
    throw new ConflictError(
      'INVALID_TRANSITION',
      `A ${current.status} enrolment cannot be unpaid; only a paid one is, by the payment that paid it.`,
      { status: current.status },
    );
  }
  const repo = createEnrolmentsRepository(change.trx);
  const updated = await repo.update(idNumber, year, {
    status: 'registered',
    policy_id: null,
    policy_version: null,
    identities: [],
    assistance_identity: null,
    standard_fen: null,
    fiscal_subsidy_fen: null,
    assistance_fen: null,
    waiver_fen: null,
    personal_fen: null,
    paid_fen: null,
    paid_on: null,
    payment_id: null,
    benefit_start: null,
    benefit_end: null,
    waiting_days: null,
    reasons: null,
  });
  await repo.insertReversal({
    payment_id: reversal.paymentId,
    id_number: idNumber,
    year,
    region_code: current.region_code,
    paid_fen: current.paid_fen,
    paid_on: current.paid_on,
    reversed_on: reversal.reversedOn,
    reason: reversal.reason,
    reversed_by: change.actor.keyId,
  });
  change.audit({
    action: 'enrolment.unpaid',
    entity: 'enrolment',
    entityId: `${maskIdNumber(idNumber)}/${year}`,
    regionCode: updated.region_code,
    details: {
      from: current.status,
      to: updated.status,
      paymentId: reversal.paymentId,
      reversedOn: reversal.reversedOn,
      reason: reversal.reason,
      // What the payment had fixed, cleared now.
      paidOn: current.paid_on,
      paidFen: current.paid_fen,
      personalFen: current.personal_fen,
      standardFen: current.standard_fen,
      fiscalSubsidyFen: current.fiscal_subsidy_fen,
      assistanceFen: current.assistance_fen,
      waiverFen: current.waiver_fen,
      assistanceIdentity: current.assistance_identity,
      identities: current.identities,
      tier: current.tier,
      policyId: current.policy_id,
      policyVersion: current.policy_version,
      benefitStart: current.benefit_start,
      benefitEnd: current.benefit_end,
    },
  });
  change.emit('enrolment.unpaid', {
    idNumber,
    year,
    regionCode: updated.region_code,
    paymentId: reversal.paymentId,
    reversedOn: reversal.reversedOn,
  });
  return updated;
}
