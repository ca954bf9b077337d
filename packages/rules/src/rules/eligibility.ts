import type { EligibilityBasis, PolicyDocument } from '../policy/schema.js';
import type { Reason } from './reason.js';

export interface EligibilityFacts {
  /** Every ground the person has for enrolling here (hukou, school, permit …). */
  bases: readonly EligibilityBasis[];
  /** Holds employee insurance (职工医保) in the policy year. */
  inEmployeeInsurance?: boolean;
  /** Already holds resident insurance elsewhere for the policy year. */
  enrolledElsewhere?: boolean;
}

export type EligibilityConflictCode = 'NOT_IN_SCOPE' | 'EMPLOYEE_INSURANCE' | 'DUPLICATE_ENROLMENT';

export interface EligibilityConflict extends Reason {
  code: EligibilityConflictCode;
}

export interface EligibilityResult {
  eligible: boolean;
  /** `encouraged`: only mobilised (动员参保对象), not required to enrol. */
  mode: 'in-scope' | 'encouraged' | null;
  conflicts: EligibilityConflict[];
  reasons: Reason[];
}

/**
 * Whether the person may enrol under `policy`: some basis of theirs is in the year's scope, and
 * nothing the notices name as a conflict (employee insurance, a second resident enrolment) applies.
 */
export function checkEligibility(policy: PolicyDocument, facts: EligibilityFacts): EligibilityResult {
  const { eligibility } = policy;
  const reasons: Reason[] = [];
  const conflicts: EligibilityConflict[] = [];

  const matches = eligibility.bases.filter((b) => b.basis === 'any-resident' || facts.bases.includes(b.basis));
  const inScope = matches.find((b) => b.mode === 'in-scope');
  const chosen = inScope ?? matches[0];
  if (chosen) {
    reasons.push({
      rule: 'eligibility-basis',
      source: chosen.source,
      text:
        chosen.basis === 'any-resident'
          ? 'Every resident not required to join employee insurance may enrol.'
          : `${chosen.basis} is ${chosen.mode === 'in-scope' ? 'in scope' : 'encouraged to enrol (动员参保)'} in ${policy.year}.`,
    });
  } else {
    conflicts.push({
      code: 'NOT_IN_SCOPE',
      rule: 'eligibility-basis',
      source: eligibility.bases[0]?.source ?? policy.source,
      text: `None of ${facts.bases.join(', ') || '(no basis given)'} is named by the ${policy.year} notice; it lists ${eligibility.bases.map((b) => b.basis).join(', ')}.`,
    });
  }

  if (facts.inEmployeeInsurance) {
    conflicts.push({
      code: 'EMPLOYEE_INSURANCE',
      rule: 'employee-insurance-excluded',
      source: eligibility.employeeInsuranceExcluded.source,
      text: 'Holds employee insurance this year: one basic medical insurance per person per year.',
    });
  }
  if (facts.enrolledElsewhere) {
    const rule = eligibility.noDuplicateEnrolment;
    if (rule) {
      conflicts.push({
        code: 'DUPLICATE_ENROLMENT',
        rule: 'no-duplicate-enrolment',
        source: rule.source,
        text: 'Already enrolled elsewhere this year: enrol in one place only (不重复参保).',
      });
    } else {
      reasons.push({
        rule: 'no-duplicate-enrolment',
        source: policy.source,
        text: 'Already enrolled elsewhere this year; this notice does not restate the no-duplicate rule, so it is not held against the person here.',
      });
    }
  }

  return {
    eligible: conflicts.length === 0,
    mode: conflicts.length === 0 && chosen ? chosen.mode : null,
    conflicts,
    reasons,
  };
}
