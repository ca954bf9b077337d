import { checkEligibility, findPolicy, PERSON_CATEGORIES, type PersonCategory, type PolicyDocument } from '@rmi/rules';
import { eligibilityBases, quoteCategory } from '../enrolments/eligibility-bases.js';

// The import asks `rules` what the API asks it, once per combination of the facts the answer
// depends on, and the check statement looks the answers up: SQL holds no twin of a rule. Those
// facts are the policy of the village, the person's category, whether the village is in the
// person's hukou county, whether they hold employee insurance, and whether they were born in the
// year. test/registration-import-parity.test.ts holds the look-up to rules row for row over
// generated people, so a rule that starts depending on anything else is caught there.

/** The policy of each village of a file, as findPolicy reaches it. */
export interface VillagePolicy {
  village: string;
  policy_id: string | null;
  single_tier: boolean;
}

/** What registering under a policy means for one combination of facts: nothing, or a refusal. */
export interface EligibilityDecision {
  policy_id: string;
  category: PersonCategory;
  same_county: boolean;
  employee: boolean;
  /** DUPLICATE_INSURANCE (employee insurance that year) or NOT_ELIGIBLE; null when eligible. */
  code: 'DUPLICATE_INSURANCE' | 'NOT_ELIGIBLE' | null;
  message: string | null;
}

/** The category an enrolment is priced under, per person category and birth in the year. */
export interface CategoryDecision {
  category: PersonCategory;
  born_in_year: boolean;
  enrol_category: string;
}

export interface RegistrationDecisions {
  villages: VillagePolicy[];
  eligibility: EligibilityDecision[];
  categories: CategoryDecision[];
}

/** A county other than the village's, for asking about a person whose hukou is elsewhere. */
const otherCounty = (village: string) => `${village.startsWith('99') ? '11' : '99'}${village.slice(2, 6)}`;

/**
 * The refusal the API answers for registering a person in `village` under `policy`
 * (services/enrollment enrolments: assertNotInsuredElsewhere), insurance elsewhere in another
 * region aside (a fact, checked by the statement): employee insurance is DUPLICATE_INSURANCE,
 * a basis outside the notice's scope NOT_ELIGIBLE.
 */
export function eligibilityDecision(
  policy: PolicyDocument,
  person: { category: PersonCategory; hukou_region_code: string },
  village: string,
  employee: boolean,
): Pick<EligibilityDecision, 'code' | 'message'> {
  const eligibility = checkEligibility(policy, {
    bases: eligibilityBases(person, village),
    inEmployeeInsurance: employee,
  });
  const employeeConflict = eligibility.conflicts.find((c) => c.code === 'EMPLOYEE_INSURANCE');
  if (employeeConflict && employee) return { code: 'DUPLICATE_INSURANCE', message: employeeConflict.text };
  const notInScope = eligibility.conflicts.find((c) => c.code === 'NOT_IN_SCOPE');
  if (notInScope) return { code: 'NOT_ELIGIBLE', message: notInScope.text };
  return { code: null, message: null };
}

/** Every answer the check statement may look up for the villages of one file. */
export function registrationDecisions(
  documents: readonly PolicyDocument[],
  villages: Iterable<string>,
  year: number,
): RegistrationDecisions {
  const byVillage: VillagePolicy[] = [];
  const policies = new Map<string, { policy: PolicyDocument; village: string }>();
  for (const village of villages) {
    const policy = findPolicy(documents, village, year);
    byVillage.push({
      village,
      policy_id: policy?.id ?? null,
      single_tier: policy !== undefined && policy.standards.resident.tier2Fen === undefined,
    });
    if (policy && !policies.has(policy.id)) policies.set(policy.id, { policy, village });
  }

  const eligibility: EligibilityDecision[] = [];
  for (const [policyId, { policy, village }] of policies) {
    for (const category of PERSON_CATEGORIES) {
      for (const sameCounty of [true, false]) {
        const person = { category, hukou_region_code: sameCounty ? village : otherCounty(village) };
        for (const employee of [false, true]) {
          const decision = eligibilityDecision(policy, person, village, employee);
          eligibility.push({ policy_id: policyId, category, same_county: sameCounty, employee, ...decision });
        }
      }
    }
  }

  const categories: CategoryDecision[] = [];
  for (const category of PERSON_CATEGORIES) {
    for (const bornInYear of [true, false]) {
      const birth = bornInYear ? `${year}-07-01` : `${year - 1}-07-01`;
      categories.push({
        category,
        born_in_year: bornInYear,
        enrol_category: quoteCategory({ category, birth_date: birth }, year),
      });
    }
  }
  return { villages: byVillage, eligibility, categories };
}
