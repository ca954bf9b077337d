import { isCivilDate, yearOf } from '../civil-date.js';
import { resolveIdentities } from '../identity-types.js';
import { QUOTE_CATEGORIES } from '../person-categories.js';
import { findPolicy, policyCoversRegion } from '../policy/find.js';
import type { Category, PolicyDocument } from '../policy/schema.js';
import { type AssistanceChoice, canonicalIdentityOrder, chooseAssistance, identityLabel } from './assistance.js';
import {
  type AcademicYearCover,
  applicableExemptions,
  newbornTiming,
  paymentTiming,
  type QuotePerson,
} from './quote-timing.js';
import type { Quote, QuoteError, QuoteOutcome, QuoteRequest } from './quote-types.js';
import { type Reason, yuan } from './reason.js';

const CATEGORIES: readonly Category[] = QUOTE_CATEGORIES;

const fail = (error: QuoteError): QuoteOutcome => ({ ok: false, error });

function validate(request: QuoteRequest): QuoteError | undefined {
  const errors: Array<{ field: string; message: string }> = [];
  const category = request.category ?? 'resident';
  if (!/^\d{6,12}$/.test(request.regionCode ?? '')) {
    errors.push({ field: 'regionCode', message: 'a division code of 6 to 12 digits' });
  }
  if (!Number.isInteger(request.year)) errors.push({ field: 'year', message: 'an integer year' });
  if (request.tier !== undefined && request.tier !== 1 && request.tier !== 2) {
    errors.push({ field: 'tier', message: '1 or 2' });
  }
  if (!CATEGORIES.includes(category)) errors.push({ field: 'category', message: CATEGORIES.join(', ') });
  const paidOnValid = typeof request.paidOn === 'string' && isCivilDate(request.paidOn);
  if (!paidOnValid) errors.push({ field: 'paidOn', message: 'a civil date YYYY-MM-DD' });
  if (request.birthDate !== undefined && !isCivilDate(request.birthDate)) {
    errors.push({ field: 'birthDate', message: 'a civil date YYYY-MM-DD' });
  } else if (request.birthDate !== undefined && paidOnValid && request.birthDate > request.paidOn) {
    errors.push({ field: 'birthDate', message: 'is after paidOn' });
  } else if (category === 'newborn' && request.birthDate === undefined) {
    errors.push({ field: 'birthDate', message: 'required when category is newborn' });
  } else if (category === 'newborn' && request.birthDate && yearOf(request.birthDate) !== request.year) {
    errors.push({
      field: 'birthDate',
      message: `a newborn quote is for the birth year (当年出生的新生儿); born in ${yearOf(request.birthDate)}, quote ${request.year} as resident`,
    });
  }
  if (request.lastEnrolledYear !== undefined && !Number.isInteger(request.lastEnrolledYear)) {
    errors.push({ field: 'lastEnrolledYear', message: 'an integer year' });
  }
  if (request.employeeInsuranceEndedOn !== undefined && !isCivilDate(request.employeeInsuranceEndedOn)) {
    errors.push({ field: 'employeeInsuranceEndedOn', message: 'a civil date YYYY-MM-DD' });
  }
  if (request.identities !== undefined && !Array.isArray(request.identities)) {
    errors.push({ field: 'identities', message: 'an array of identity codes or labels' });
  }
  if (errors.length === 0) return undefined;
  return { status: 400, code: 'VALIDATION_FAILED', message: `${errors.length} invalid field(s)`, errors };
}

type StandardChoice =
  | { kind: 'ok'; fen: number; source: string; academicYear?: AcademicYearCover }
  | { kind: 'missing'; field: string }
  | { kind: 'tier-not-offered'; source: string };

function chooseStandard(policy: PolicyDocument, category: Category, tier: 1 | 2): StandardChoice {
  const resident = policy.standards.resident;
  const block = category === 'college-student' ? policy.standards.collegeStudent : resident;
  if (!block) {
    if (tier === 2 && resident.tier2Fen === undefined) return { kind: 'tier-not-offered', source: resident.source };
    // A notice that prices college students for an academic year only (002#二(二): 320 / 695 yuan
    // for 2022-09..2023-08) is quoted at that price, with cover following that academic year.
    const academic = policy.standards.collegeStudentAcademicYear;
    if (!academic) return { kind: 'missing', field: 'standards.collegeStudent' };
    const fen = tier === 1 ? academic.tier1Fen : academic.tier2Fen;
    if (fen === undefined) return { kind: 'tier-not-offered', source: academic.source };
    return { kind: 'ok', fen, source: academic.source, academicYear: academic };
  }
  const fen = tier === 1 ? block.tier1Fen : block.tier2Fen;
  if (fen === undefined) return { kind: 'tier-not-offered', source: block.source };
  return { kind: 'ok', fen, source: block.source };
}

/** contracts/quote.md against one policy document. */
export function quote(policy: PolicyDocument, request: QuoteRequest): QuoteOutcome {
  const invalid = validate(request);
  if (invalid) return fail(invalid);
  const tier = request.tier ?? 1;
  const category = request.category ?? 'resident';
  if (request.year !== policy.year || !policyCoversRegion(policy, request.regionCode)) {
    return fail({
      status: 404,
      code: 'POLICY_NOT_FOUND',
      message: `${policy.id} does not cover region ${request.regionCode} in ${request.year}`,
    });
  }

  const resolved = resolveIdentities(request.identities ?? []);
  if (resolved.unknown.length > 0) {
    return fail({
      status: 422,
      code: 'UNKNOWN_IDENTITY',
      message: `not an identity code or label: ${resolved.unknown.join(', ')}`,
      identities: resolved.unknown,
    });
  }
  const identities = canonicalIdentityOrder(resolved.codes);

  const standard = chooseStandard(policy, category, tier);
  if (standard.kind === 'tier-not-offered') {
    return fail({
      status: 422,
      code: 'TIER_NOT_OFFERED',
      message: `${policy.id} has a single contribution tier (${standard.source})`,
    });
  }

  const person: QuotePerson = {
    category,
    identities,
    paidOn: request.paidOn,
    birthDate: request.birthDate,
    studentStatus: request.studentStatus,
    lastEnrolledYear: request.lastEnrolledYear,
    employeeInsuranceEndedOn: request.employeeInsuranceEndedOn,
  };
  const academicYear = standard.kind === 'ok' ? standard.academicYear : undefined;
  const timed = category === 'newborn' ? newbornTiming(policy, person) : paymentTiming(policy, person, academicYear);
  if (!timed.ok) return timed;
  const timing = timed.timing;

  const reasons: Reason[] = [];
  const missing: string[] = [];
  let standardFen = 0;
  if (standard.kind === 'missing') missing.push(standard.field);
  else if (academicYear) {
    standardFen = standard.fen;
    reasons.push({
      rule: 'standard',
      source: standard.source,
      text: `College-student standard for the academic year ${academicYear.from}..${academicYear.to}, tier ${tier}: ${yuan(standard.fen)}.`,
    });
    reasons.push({
      rule: 'college-academic-year',
      source: academicYear.source,
      text: `${policy.id} states no college standard for the insurance year ${policy.year}: the notice prices the academic year ${academicYear.from}..${academicYear.to} instead, so this quote is that price, with cover following that academic year.`,
    });
  } else {
    standardFen = standard.fen;
    reasons.push({
      rule: 'standard',
      source: standard.source,
      text: `${category === 'college-student' ? 'College-student' : 'Resident'} standard, tier ${tier}: ${yuan(standard.fen)}.`,
    });
  }

  const fiscal = lateFiscalSubsidy(policy, person);
  reasons.push(...fiscal.reasons);
  if (fiscal.missing) missing.push(fiscal.missing);

  const assistance = chooseAssistance(policy, identities, tier);
  if (assistance.tableMissing) missing.push('assistance');

  if (missing.length > 0) {
    return fail({
      status: 422,
      code: 'POLICY_INCOMPLETE',
      message: `${policy.id} does not state ${missing.join(', ')}; an operator must load it into the policy`,
      missing,
    });
  }

  const owed = standardFen + fiscal.fen;
  const waiverRule = category === 'newborn' ? policy.newborn?.waiverInBirthYear : undefined;
  const waiverFen = waiverRule?.value ? owed : 0;
  if (waiverRule?.value) {
    reasons.push({
      rule: 'newborn-waiver',
      source: waiverRule.source,
      text: `Newborns pay nothing in the birth year: ${yuan(waiverFen)} waived.`,
    });
  }
  const offered = assistance.best?.fen ?? 0;
  const assistanceFen = Math.min(offered, owed - waiverFen);
  reasons.push(...assistance.reasons);
  if (assistance.best && assistanceFen < offered) {
    reasons.push({
      rule: 'assistance-capped',
      source: assistance.best.source,
      text: `Assistance never exceeds what is owed: ${yuan(assistanceFen)} of ${yuan(offered)} is used.`,
    });
  }

  const personalFen = owed - waiverFen - assistanceFen;
  if (request.tier === undefined) reasons.push(...tierTwoAssistance(policy, request, assistance, personalFen));

  const quoteBody: Quote = {
    policyId: policy.id,
    standardFen,
    fiscalSubsidyFen: fiscal.fen,
    assistanceFen,
    assistanceIdentity: assistanceFen > 0 && assistance.best ? assistance.best.code : null,
    waiverFen,
    personalFen,
    benefitStart: timing.benefitStart,
    benefitEnd: timing.benefitEnd,
    waitingDays: timing.waitingDays,
    reasons: [...timing.reasons, ...reasons],
  };
  return { ok: true, quote: quoteBody };
}

/**
 * A request that names no tier is quoted in tier 1, where some identities bring nothing: the
 * notices assist them only in tier 2, in full (003#五(三): 老复员军人 and 遗属 at the 775-yuan tier-2
 * standard; 002#二(四)1). A desk must hear that tier 2 costs such a person less, or nothing.
 */
function tierTwoAssistance(
  policy: PolicyDocument,
  request: QuoteRequest,
  tierOne: AssistanceChoice,
  tierOnePersonalFen: number,
): Reason[] {
  if (tierOne.otherTierOnly.length === 0) return [];
  const tierTwo = quote(policy, { ...request, tier: 2 });
  if (!tierTwo.ok) return [];
  const two = tierTwo.quote;
  const code = two.assistanceIdentity;
  if (!code || !tierOne.otherTierOnly.includes(code) || two.personalFen >= tierOnePersonalFen) return [];
  const source = two.reasons.find((r) => r.rule === 'assistance')?.source ?? policy.assistance?.source;
  if (!source) return [];
  const asked = `No tier was asked, so tier 1 is quoted, where ${identityLabel(code)} brings no assistance.`;
  const full = two.assistanceFen >= two.standardFen;
  return [
    {
      rule: full ? 'tier-2-fully-assisted' : 'tier-2-assisted',
      source,
      text: full
        ? `${asked} Tier 2 is fully assisted: ${yuan(two.assistanceFen)} of assistance covers the tier-2 standard of ${yuan(two.standardFen)}, and the person pays ${yuan(two.personalFen)} instead of ${yuan(tierOnePersonalFen)}. Ask for tier 2 to quote it.`
        : `${asked} In tier 2 it brings ${yuan(two.assistanceFen)} of assistance against the tier-2 standard of ${yuan(two.standardFen)}, and the person pays ${yuan(two.personalFen)} instead of ${yuan(tierOnePersonalFen)}. Ask for tier 2 to quote it.`,
    },
  ];
}

function lateFiscalSubsidy(
  policy: PolicyDocument,
  person: QuotePerson,
): { fen: number; missing?: string; reasons: Reason[] } {
  const cutoff = policy.periods.fiscalSubsidyCutoff;
  if (!cutoff || person.paidOn <= cutoff.lastDayWithSubsidy) return { fen: 0, reasons: [] };
  const after = `Paid after ${cutoff.lastDayWithSubsidy}, when the fiscal subsidy no longer applies`;
  const newbornRule = policy.newborn?.personalPartOnlyAfterCutoff;
  if (person.category === 'newborn' && newbornRule?.value) {
    return {
      fen: 0,
      reasons: [
        {
          rule: 'newborn-personal-part-only',
          source: newbornRule.source,
          text: `${after}; newborns pay only the personal part.`,
        },
      ],
    };
  }
  const county = applicableExemptions(policy, person).find((e) => e.fiscalPartPaidByCounty);
  if (county) {
    return {
      fen: 0,
      reasons: [
        {
          rule: 'fiscal-part-by-county',
          source: county.source,
          text: `${after}; the county pays the fiscal part for this group.`,
        },
      ],
    };
  }
  const reasons: Reason[] = [];
  if (person.category === 'newborn' && newbornRule) {
    reasons.push({
      rule: 'newborn-no-exception',
      source: newbornRule.source,
      text: 'The notice makes no exception for newborns to the fiscal-subsidy cut-off.',
    });
  }
  const subsidy = policy.fiscalSubsidyPerCapitaFen;
  if (!subsidy) return { fen: 0, missing: 'fiscalSubsidyPerCapitaFen', reasons };
  reasons.push({
    rule: 'fiscal-subsidy-cutoff',
    source: cutoff.source,
    text: `${after}: the payer adds the per-capita fiscal subsidy.`,
  });
  reasons.push({
    rule: 'fiscal-subsidy',
    source: subsidy.source,
    text: `Per-capita fiscal subsidy: ${yuan(subsidy.value)}.`,
  });
  return { fen: subsidy.value, reasons };
}

/** Finds the policy for the request's region and year, then quotes; POLICY_NOT_FOUND when none covers it. */
export function quoteFrom(policies: readonly PolicyDocument[], request: QuoteRequest): QuoteOutcome {
  const policy = findPolicy(policies, request.regionCode ?? '', request.year);
  if (!policy) {
    return fail({
      status: 404,
      code: 'POLICY_NOT_FOUND',
      message: `no policy covers region ${request.regionCode} in ${request.year}`,
    });
  }
  return quote(policy, request);
}
