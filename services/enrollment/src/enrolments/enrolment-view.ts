import type { Enrolment } from '@rmi/contracts';
import type { EnrolmentRow } from './enrolments.repository.js';

/** What an enrolment is on `today`: the stored lifecycle, with a paid one read against its dates. */
export function effectiveStatus(row: EnrolmentRow, today: string): Enrolment['status'] {
  if (row.status !== 'paid') return row.status;
  if (row.benefit_start && today < row.benefit_start) return 'waiting';
  if (row.benefit_end && today > row.benefit_end) return 'ended';
  return 'covered';
}

export function toEnrolment(row: EnrolmentRow, today: string): Enrolment {
  return {
    idNumber: row.id_number,
    year: row.year,
    regionCode: row.region_code,
    category: row.category,
    tier: row.tier,
    status: effectiveStatus(row, today),
    basis: row.basis,
    guardianIdNumber: row.guardian_id_number,
    policyId: row.policy_id,
    identities: row.identities,
    assistanceIdentity: row.assistance_identity,
    standardFen: row.standard_fen,
    fiscalSubsidyFen: row.fiscal_subsidy_fen,
    assistanceFen: row.assistance_fen,
    waiverFen: row.waiver_fen,
    personalFen: row.personal_fen,
    paidFen: row.paid_fen,
    paidOn: row.paid_on,
    paymentId: row.payment_id,
    benefitStart: row.benefit_start,
    benefitEnd: row.benefit_end,
    waitingDays: row.waiting_days,
    reasons: (row.reasons as Enrolment['reasons'] | null) ?? [],
    cancelReason: row.cancel_reason,
    cancelledOn: row.cancelled_on,
    employeeCoverFrom: row.employee_cover_from,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
