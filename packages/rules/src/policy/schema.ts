import { z } from 'zod';
import { isCivilDate } from '../civil-date.js';
import { IDENTITY_TYPES } from '../identity-types.js';
import { percentOfFenHalfUp } from '../money.js';
import { QUOTE_CATEGORIES } from '../person-categories.js';

// One (jurisdiction, year) policy document. Every object that carries a value from a notice also
// carries the clause it came from, so an answer can always point at its source. An amount a
// notice does not state is left out (never guessed); rules that need it answer POLICY_INCOMPLETE.
// Objects are strict so that a misspelt key in an operator's JSON is an error, not a silent default.

/** `<seed file>#<section>`, e.g. `003_01f4ef08c34ea7cb.txt#五(二)`. */
export const SourceSchema = z
  .string()
  .regex(/^[^\s#]+#\S+$/, 'cite the notice as <seed file>#<section>, e.g. 003_01f4ef08c34ea7cb.txt#五(二)');

export const CivilDateSchema = z.string().refine(isCivilDate, 'a civil date YYYY-MM-DD');

/** Integer fen (1 yuan = 100 fen). */
export const FenSchema = z.number().int().nonnegative();

const PercentSchema = z.number().int().min(0).max(100);

const IDENTITY_CODES = new Set(IDENTITY_TYPES.map((t) => t.code));
export const IdentityCodeSchema = z
  .string()
  .refine((code) => IDENTITY_CODES.has(code), 'an identity code from contracts/identity-types.md');

const cited = <T extends z.ZodType>(value: T) => z.strictObject({ value, source: SourceSchema });

const DateRangeSchema = z.strictObject({ from: CivilDateSchema, to: CivilDateSchema });

export const CategorySchema = z.enum(QUOTE_CATEGORIES);
export type Category = z.infer<typeof CategorySchema>;

const StandardSchema = z.strictObject({
  tier1Fen: FenSchema,
  /** Absent: the policy has a single tier (Xiaoyi) and rejects tier 2. */
  tier2Fen: FenSchema.optional(),
  source: SourceSchema,
});

const StandardsSchema = z.strictObject({
  resident: StandardSchema,
  /** Calendar-year standard for college students; absent when the notice does not state one. */
  collegeStudent: StandardSchema.optional(),
  /**
   * A standard priced for an academic year rather than the insurance year (002#二(二)). Quoted for
   * college students when `collegeStudent` is absent, with cover following that academic year.
   */
  collegeStudentAcademicYear: z
    .strictObject({
      from: CivilDateSchema,
      to: CivilDateSchema,
      tier1Fen: FenSchema,
      tier2Fen: FenSchema.optional(),
      source: SourceSchema,
    })
    .optional(),
});

const BenefitStartRuleSchema = z.discriminatedUnion('kind', [
  /** Cover from the 1st of the month after payment. */
  z.strictObject({ kind: z.literal('first-of-next-month') }),
  /** Cover from paidOn + days (contracts/quote.md). */
  z.strictObject({ kind: z.literal('after-days'), days: z.number().int().positive() }),
]);

const PeriodsSchema = z.strictObject({
  concentrated: z.strictObject({
    from: CivilDateSchema,
    to: CivilDateSchema,
    /** Xiaoyi collects only on these days of each month during the concentrated period (004#4). */
    paymentDaysOfMonth: z
      .strictObject({ from: z.number().int().min(1).max(31), to: z.number().int().min(1).max(31) })
      .optional(),
    source: SourceSchema,
    /** Cover bought in the concentrated period; every later payment is covered to `benefit.to` too. */
    benefit: z.strictObject({ from: CivilDateSchema, to: CivilDateSchema, source: SourceSchema }),
  }),
  /** Payment windows after the concentrated period, in date order. */
  lateWindows: z.array(
    z.strictObject({
      from: CivilDateSchema,
      to: CivilDateSchema,
      benefitStart: BenefitStartRuleSchema,
      source: SourceSchema,
    }),
  ),
  /** Payments after `lastDayWithSubsidy` pay the standard plus the per-capita fiscal subsidy. */
  fiscalSubsidyCutoff: z.strictObject({ lastDayWithSubsidy: CivilDateSchema, source: SourceSchema }).optional(),
  /** Absent: the notice names no last day, so a late payment cannot be quoted. */
  lastPaymentDay: cited(CivilDateSchema).optional(),
});

const NewbornSchema = z.strictObject({
  /** Independent enrolment within N days of birth, the day of birth not counted. */
  windowDays: cited(z.number().int().positive()).optional(),
  /** Cover from the day of birth to the end of the year, with no waiting period. */
  coverFromBirth: z.strictObject({ source: SourceSchema }),
  /**
   * True only where a notice says newborns keep the fiscal subsidy after the cut-off (003#六);
   * absent where the policy has no cut-off.
   */
  personalPartOnlyAfterCutoff: cited(z.boolean()).optional(),
  /** Nothing to pay in the birth year (Xiaoyi 落地参保, 004#4). */
  waiverInBirthYear: cited(z.boolean()).optional(),
  /** A newborn not enrolled alone is covered through an enrolled guardian. */
  coveredThroughGuardian: cited(z.boolean()).optional(),
});

const CollegeStudentRulesSchema = z.strictObject({
  /** Freshmen enrolling before the year are covered from the day after payment (000#五(四)). */
  freshmenFromDayAfterPayment: cited(z.boolean()).optional(),
  /** Graduates stay covered to Dec 31 of the graduation year (002#三(三)). */
  graduatesToYearEnd: cited(z.boolean()).optional(),
});

const AssistanceRowSchema = z.strictObject({
  identities: z.array(IdentityCodeSchema).min(1),
  /** Absent: this identity is assisted only in the other tier (e.g. full tier 2 for veterans). */
  tier1Fen: FenSchema.optional(),
  tier2Fen: FenSchema.optional(),
  /** The percentage the notice prints for tier 1, checked against `tier1Fen`. */
  tier1PercentOfStandard: PercentSchema.optional(),
  source: SourceSchema,
});

const AssistanceSchema = z.strictObject({
  /** Earlier rows win ties (see POLICY.md). */
  rows: z.array(AssistanceRowSchema),
  /** 就高 with no top-up or claw-back; absent when the notice does not say how identities combine. */
  highestApplies: z.strictObject({ source: SourceSchema }).optional(),
  /** The section that holds the table; cited when an identity is not in it. */
  source: SourceSchema,
});

const WaitingExemptionSchema = z.strictObject({
  /** Any one of these identities qualifies. */
  identities: z.array(IdentityCodeSchema).min(1).optional(),
  /** Joining within this long after employee insurance stopped. */
  employeeInsuranceEndedWithin: z
    .union([
      z.strictObject({ days: z.number().int().positive() }),
      z.strictObject({ months: z.number().int().positive() }),
    ])
    .optional(),
  /** Only payments inside this range qualify. */
  window: DateRangeSchema.optional(),
  /** These people may pay up to this day even after the general last payment day (000#六). */
  paymentAllowedUntil: CivilDateSchema.optional(),
  /** The per-capita fiscal part of a late payment is paid by the county, not the person (000#六). */
  fiscalPartPaidByCounty: z.boolean().optional(),
  /** Enrolment is possible at any time of the year, whatever the payment periods say (004#4). */
  anyTime: z.boolean().optional(),
  source: SourceSchema,
});

const ContinuitySchema = z.strictObject({
  /** Months of wait for anyone paying outside the concentrated period or after a gap. */
  fixedWaitingMonths: z.number().int().positive(),
  /** Added for each gap year beyond the first. */
  extraMonthsPerAdditionalGapYear: z.number().int().nonnegative(),
  exceptCategories: z.array(CategorySchema),
  source: SourceSchema,
});

export const EligibilityBasisSchema = z.enum([
  'any-resident',
  'local-hukou',
  'local-school-student',
  'college-student',
  'newborn-local-hukou',
  'newborn-born-here',
  'residence-permit',
  'other-district-hukou-resident',
  'foreign-permanent-resident',
  'talent-family',
  'hk-macau-taiwan-student',
  'hk-macau-taiwan-residence-permit',
]);
export type EligibilityBasis = z.infer<typeof EligibilityBasisSchema>;

const EligibilitySchema = z.strictObject({
  bases: z.array(
    z.strictObject({
      basis: EligibilityBasisSchema,
      /** `in-scope`: must enrol (应参尽参/参保范围); `encouraged`: mobilised (动员参保对象). */
      mode: z.enum(['in-scope', 'encouraged']),
      source: SourceSchema,
    }),
  ),
  /** Anyone in employee insurance that year is out of scope. */
  employeeInsuranceExcluded: z.strictObject({ source: SourceSchema }),
  /** One basic medical insurance, in one place, per year (不重复参保). */
  noDuplicateEnrolment: z.strictObject({ source: SourceSchema }).optional(),
});

const AssessmentSchema = z.strictObject({
  /** Villages that reach their target on or before this day lose nothing. */
  completeBy: CivilDateSchema,
  /** First band whose minPercent the whole-percent completion reaches applies. */
  bands: z
    .array(
      z.strictObject({
        minPercent: PercentSchema,
        /** Points deducted, in hundredths of a point. */
        deductionHundredths: z.number().int().nonnegative(),
      }),
    )
    .min(1),
  source: SourceSchema,
});

const TargetsSchema = z.strictObject({
  total: cited(z.number().int().nonnegative()).optional(),
  /** How the target is set when the number itself is not in the notice. */
  basis: cited(z.string().min(1)).optional(),
  units: z
    .strictObject({
      rows: z.array(z.strictObject({ name: z.string().min(1), target: z.number().int().nonnegative() })),
      source: SourceSchema,
    })
    .optional(),
  specialGroups: z
    .strictObject({
      minRatePercent: PercentSchema,
      identities: z.array(IdentityCodeSchema).optional(),
      source: SourceSchema,
    })
    .optional(),
  reporting: z.strictObject({ cadence: z.enum(['weekly', 'half-monthly']), source: SourceSchema }).optional(),
  assessment: AssessmentSchema.optional(),
});

const HospitalLevelsFenSchema = z.strictObject({ level1: FenSchema, level2: FenSchema, level3: FenSchema });
const HospitalLevelsPercentSchema = z.strictObject({
  level1: PercentSchema,
  level2: PercentSchema,
  level3: PercentSchema,
});
const TierFenSchema = z.strictObject({ tier1: FenSchema, tier2: FenSchema });

const BenefitsSchema = z.strictObject({
  inpatient: z
    .strictObject({
      deductibleFen: HospitalLevelsFenSchema,
      ratioPercent: z.strictObject({ tier1: HospitalLevelsPercentSchema, tier2: HospitalLevelsPercentSchema }),
      /** Percentage points added for minors. */
      minorBonusPoints: z.number().int().nonnegative(),
      capFen: TierFenSchema,
      source: SourceSchema,
    })
    .optional(),
  criticalIllness: z
    .strictObject({
      /** On the year's cumulative in-scope out-of-pocket cost. */
      deductibleFen: FenSchema,
      ratioPercent: PercentSchema.optional(),
      capFen: FenSchema.optional(),
      /** The cap rises with continuous enrolment or a zero-claim year; amount not stated so far. */
      capRaise: z
        .strictObject({
          afterContinuousYears: z.number().int().positive(),
          afterZeroClaimYear: z.boolean(),
          amountFen: FenSchema.optional(),
        })
        .optional(),
      source: SourceSchema,
    })
    .optional(),
  annualTotalCapFen: z.strictObject({ tier1: FenSchema, tier2: FenSchema, source: SourceSchema }).optional(),
  generalOutpatient: z
    .strictObject({
      level1: z.strictObject({ deductibleFen: FenSchema, ratioPercent: PercentSchema }).optional(),
      level2: z.strictObject({ deductibleFen: FenSchema, ratioPercent: PercentSchema }).optional(),
      capFen: TierFenSchema,
      source: SourceSchema,
    })
    .optional(),
  /** Critical-illness tilt for some identities (倾斜支付). */
  criticalIllnessTilt: z
    .strictObject({
      identities: z.array(IdentityCodeSchema).min(1),
      deductibleReductionPercent: PercentSchema.optional(),
      ratioBonusPoints: z.number().int().nonnegative().optional(),
      noCap: z.boolean().optional(),
      source: SourceSchema,
    })
    .optional(),
});

/** The cash "double limit" (双限): bank cash within this many days, and the same day once held cash reaches the amount. */
const CashSchema = z.strictObject({
  depositWithinDays: z.number().int().positive(),
  sameDayDepositFen: FenSchema.refine((fen) => fen > 0, 'a positive amount in fen'),
  source: SourceSchema,
});

const NoteSchema = z.strictObject({ topic: z.string().min(1), text: z.string().min(1), source: SourceSchema });

const PolicyDocumentShape = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a lower-case slug such as cq-2025'),
  title: z.string().min(1),
  /** Insurance year: the year benefits are for. */
  year: z.number().int().min(2000).max(2100),
  jurisdiction: z.string().min(1),
  /** Division codes covered (GB/T 2260 prefixes plus township/village suffixes). */
  regionCodes: z
    .array(z.string().regex(/^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$/, 'a division code of 2, 4, 6, 9 or 12 digits'))
    .min(1),
  /** The notice as a whole: where title, year and jurisdiction come from. */
  source: SourceSchema,
  issuedOn: cited(CivilDateSchema).optional(),
  standards: StandardsSchema,
  /** Per-capita fiscal subsidy for this year; absent when the notice does not state it. */
  fiscalSubsidyPerCapitaFen: cited(FenSchema).optional(),
  periods: PeriodsSchema,
  newborn: NewbornSchema.optional(),
  collegeStudents: CollegeStudentRulesSchema.optional(),
  /** Absent: the notice points to a table the seed does not include. */
  assistance: AssistanceSchema.optional(),
  waitingExemptions: z.array(WaitingExemptionSchema),
  continuity: ContinuitySchema.optional(),
  eligibility: EligibilitySchema,
  targets: TargetsSchema.optional(),
  benefits: BenefitsSchema.optional(),
  /** Absent: the notice states no cash limits, so cash alerts cannot be decided for the year. */
  cash: CashSchema.optional(),
  /** What the notice is silent or ambiguous about, and where it points instead. */
  notes: z.array(NoteSchema),
});

type Shape = z.infer<typeof PolicyDocumentShape>;

function checkConsistency(doc: Shape, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const yearStart = `${doc.year}-01-01`;
  const yearEnd = `${doc.year}-12-31`;
  const c = doc.periods.concentrated;
  if (c.from > c.to) issue(['periods', 'concentrated'], 'from is after to');
  if (c.benefit.from > c.benefit.to) issue(['periods', 'concentrated', 'benefit'], 'from is after to');
  if (c.benefit.to > yearEnd || c.benefit.to < yearStart) {
    issue(['periods', 'concentrated', 'benefit', 'to'], `must fall in the insurance year ${doc.year}`);
  }
  if (c.paymentDaysOfMonth && c.paymentDaysOfMonth.from > c.paymentDaysOfMonth.to) {
    issue(['periods', 'concentrated', 'paymentDaysOfMonth'], 'from is after to');
  }
  let previousEnd = c.to;
  doc.periods.lateWindows.forEach((w, i) => {
    if (w.from > w.to) issue(['periods', 'lateWindows', i], 'from is after to');
    if (w.from <= previousEnd) issue(['periods', 'lateWindows', i], `overlaps or precedes ${previousEnd}`);
    previousEnd = w.to;
  });
  const last = doc.periods.lastPaymentDay?.value;
  if (last && last < c.to) issue(['periods', 'lastPaymentDay'], 'is before the concentrated period ends');
  if (last && doc.periods.lateWindows.some((w) => w.to > last)) {
    issue(['periods', 'lastPaymentDay'], 'a late window runs past the last payment day');
  }

  const standard = doc.standards.resident;
  const seen = new Map<string, number>();
  doc.assistance?.rows.forEach((row, i) => {
    if (row.tier1Fen === undefined && row.tier2Fen === undefined) {
      issue(['assistance', 'rows', i], 'needs tier1Fen or tier2Fen');
    }
    if (row.tier2Fen !== undefined && standard.tier2Fen === undefined) {
      issue(['assistance', 'rows', i, 'tier2Fen'], 'the policy has a single tier');
    }
    if (row.tier1PercentOfStandard !== undefined) {
      // The notices print exact amounts; half-up only matters for a percentage a future notice
      // might print without its amount.
      const expected = percentOfFenHalfUp(standard.tier1Fen, row.tier1PercentOfStandard);
      if (row.tier1Fen !== expected) {
        issue(['assistance', 'rows', i, 'tier1Fen'], `${row.tier1PercentOfStandard}% of the standard is ${expected}`);
      }
    }
    for (const code of row.identities) {
      const first = seen.get(code);
      if (first !== undefined) issue(['assistance', 'rows', i, 'identities'], `${code} is already in row ${first}`);
      else seen.set(code, i);
    }
  });

  doc.waitingExemptions.forEach((e, i) => {
    if (!e.identities && !e.employeeInsuranceEndedWithin) {
      issue(['waitingExemptions', i], 'needs identities or employeeInsuranceEndedWithin');
    }
    if (e.window && e.window.from > e.window.to) issue(['waitingExemptions', i, 'window'], 'from is after to');
  });

  const units = doc.targets?.units;
  const total = doc.targets?.total;
  if (units && total) {
    const sum = units.rows.reduce((s, r) => s + r.target, 0);
    if (sum !== total.value) issue(['targets', 'units'], `targets add up to ${sum}, not the total ${total.value}`);
  }
  const bands = doc.targets?.assessment?.bands;
  bands?.forEach((b, i) => {
    const prev = bands[i - 1];
    if (prev && b.minPercent >= prev.minPercent) issue(['targets', 'assessment', 'bands', i], 'bands must descend');
  });
  if (bands && bands[bands.length - 1]?.minPercent !== 0) {
    issue(['targets', 'assessment', 'bands'], 'the last band must start at 0% so every rate has a band');
  }
}

export const PolicyDocumentSchema = PolicyDocumentShape.superRefine(checkConsistency);

export type PolicyDocument = z.infer<typeof PolicyDocumentSchema>;
export type AssistanceRow = z.infer<typeof AssistanceRowSchema>;
export type WaitingExemption = z.infer<typeof WaitingExemptionSchema>;
