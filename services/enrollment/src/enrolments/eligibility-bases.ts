import type { PersonCategory } from '@rmi/db';
import type { EligibilityBasis } from '@rmi/rules';

const BY_CATEGORY: Record<PersonCategory, EligibilityBasis> = {
  resident: 'local-hukou',
  student: 'local-school-student',
  'college-student': 'college-student',
  newborn: 'newborn-local-hukou',
  'residence-permit': 'residence-permit',
  'foreign-permanent-resident': 'foreign-permanent-resident',
  'hk-macau-taiwan': 'hk-macau-taiwan-residence-permit',
};

/**
 * The grounds a registered person has for enrolling in a village: their category, and whether
 * the village is in their hukou county (a resident enrolling outside it is an other-district
 * hukou resident, who only some notices admit).
 */
export function eligibilityBases(
  person: { category: PersonCategory; hukou_region_code: string },
  enrolRegion: string,
): EligibilityBasis[] {
  const basis = BY_CATEGORY[person.category];
  const sameCounty = person.hukou_region_code.slice(0, 6) === enrolRegion.slice(0, 6);
  if (basis === 'local-hukou' && !sameCounty) return ['other-district-hukou-resident'];
  if (basis === 'newborn-local-hukou' && !sameCounty) return ['newborn-born-here'];
  return [basis];
}

/** The quote category a person enrols under by default. */
export function quoteCategory(
  person: { category: PersonCategory; birth_date: string },
  year: number,
): 'resident' | 'college-student' | 'newborn' {
  if (person.category === 'college-student') return 'college-student';
  if (person.birth_date.startsWith(`${year}-`)) return 'newborn';
  return 'resident';
}
