// Who a person is on the register, and the category a quote or an enrolment is priced under. The
// second list is what the notices price (resident, college-student, newborn); the first says more
// about a person (eligibility bases, schools) and maps onto it.

/** A registered person's category (`enrollment.persons.category`, `POST /v1/persons`). */
export const PERSON_CATEGORIES = [
  'resident',
  'student',
  'college-student',
  'newborn',
  'residence-permit',
  'foreign-permanent-resident',
  'hk-macau-taiwan',
] as const;
export type PersonCategory = (typeof PERSON_CATEGORIES)[number];

/** The category a quote and an enrolment are priced under (contracts/quote.md). */
export const QUOTE_CATEGORIES = ['resident', 'college-student', 'newborn'] as const;
export type QuoteCategory = (typeof QUOTE_CATEGORIES)[number];

/** A college student's year: freshmen and graduates have their own cover dates (000#五(四), 002#三(三)). */
export const STUDENT_STATUSES = ['freshman', 'returning', 'graduating'] as const;
export type StudentStatus = (typeof STUDENT_STATUSES)[number];
