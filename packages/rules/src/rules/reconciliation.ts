// How one person-year of a region reconciles (contracts/payments.md#Reconciliation runs): the
// enrolment, the payments that count, the identities held on the payment day and the death day
// decide one class. payment-reconciliation classifies a whole region in one SQL statement; that
// statement's CASE is held to this function answer for answer by a property test.

export const RECONCILIATION_CLASSES = [
  'matched',
  'unpaid',
  'paid-not-enrolled',
  'underpaid',
  'overpaid',
  'duplicate',
  'reversed',
  'assistance-owed',
  'assistance-mismatch',
  'paid-after-death',
] as const;
export type ReconciliationClass = (typeof RECONCILIATION_CLASSES)[number];

export interface PersonYearFacts {
  /** An enrolment of the year in the region, not cancelled. */
  enrolled: boolean;
  /**
   * The personal part before assistance: standard − fiscal subsidy − waiver of the enrolment's
   * tier (personal part + assistance as enrollment priced it; for a registration enrollment has not
   * priced, its payment refused or not yet applied, the policy's price on the payment day). Null
   * when not enrolled.
   */
  fullFen: number | null;
  /**
   * The assistance the identities held on the effective payment's day bring (就高), capped at
   * `fullFen`; 0 with no identity, no payment or several payments.
   */
  dueAssistanceFen: number;
  /** Payments that count: recorded by the run's cut-off and not reversed by then. */
  effectiveCount: number;
  /** Sums over the effective payments. */
  paidFen: number;
  paidAssistanceFen: number;
  /** The latest payment day among the effective payments (the only one when there is one). */
  paidOn: string | null;
  /** Payments of the person-year reversed by the cut-off. */
  reversedCount: number;
  /** The person's death day as the register holds it, enrolled this year or not. */
  diedOn: string | null;
}

export interface PersonYearClass {
  class: ReconciliationClass;
  /** What the person should have paid: the full part less the assistance due; null when not enrolled. */
  expectedFen: number | null;
  paidFen: number;
  /** For `assistance-owed`: the 事后资助 refund. */
  owedFen: number | null;
}

/**
 * The class of one person-year. Precedence, first that holds: no effective payment (`reversed`
 * when every payment was reversed, else `unpaid`); a payment after the death day
 * (`paid-after-death`), enrolled or not: a death cancels the registrations not yet paid
 * (enrollment's record-death), so money that arrives after it finds no enrolment, and the refund
 * is owed because of the death; money without an enrolment (`paid-not-enrolled`); two or more
 * payments (`duplicate`); the full part paid with assistance due (`assistance-owed`, owed the
 * assistance: 事后资助); assistance on the payment that differs from the decision
 * (`assistance-mismatch`); then the amount against the expected part.
 */
export function classifyPersonYear(f: PersonYearFacts): PersonYearClass {
  const expectedFen = f.enrolled && f.fullFen !== null ? f.fullFen - Math.min(f.dueAssistanceFen, f.fullFen) : null;
  const answer = (c: ReconciliationClass, owedFen: number | null = null): PersonYearClass => ({
    class: c,
    expectedFen,
    paidFen: f.paidFen,
    owedFen,
  });
  if (f.effectiveCount === 0) return answer(f.reversedCount > 0 ? 'reversed' : 'unpaid');
  if (f.diedOn !== null && f.paidOn !== null && f.paidOn > f.diedOn) return answer('paid-after-death');
  if (!f.enrolled || f.fullFen === null || expectedFen === null) return answer('paid-not-enrolled');
  if (f.effectiveCount > 1) return answer('duplicate');
  const due = Math.min(f.dueAssistanceFen, f.fullFen);
  if (due > 0 && f.paidAssistanceFen === 0 && f.paidFen === f.fullFen) return answer('assistance-owed', due);
  if (f.paidAssistanceFen > 0 && f.paidAssistanceFen !== due) return answer('assistance-mismatch');
  if (f.paidFen < expectedFen) return answer('underpaid');
  if (f.paidFen > expectedFen) return answer('overpaid');
  return answer('matched');
}
