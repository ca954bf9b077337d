import { addDays, addMonths, dayOfMonth, daysBetween, firstOfNextMonth } from '../civil-date.js';
import type { StudentStatus } from '../person-categories.js';
import type { Category, PolicyDocument, WaitingExemption } from '../policy/schema.js';
import type { QuoteError } from './quote-types.js';
import type { Reason } from './reason.js';

export interface QuoteTiming {
  benefitStart: string;
  benefitEnd: string;
  waitingDays: number;
  reasons: Reason[];
}

/**
 * What a payment buys cover for when it is not the insurance year: the academic year a notice
 * prices college students for instead (002#二(二): 2022-09..2023-08 for 2023).
 */
export interface AcademicYearCover {
  from: string;
  to: string;
  source: string;
}

export type QuoteTimingOutcome = { ok: true; timing: QuoteTiming } | { ok: false; error: QuoteError };

export interface QuotePerson {
  category: Category;
  identities: readonly string[];
  paidOn: string;
  birthDate?: string;
  studentStatus?: StudentStatus;
  lastEnrolledYear?: number;
  employeeInsuranceEndedOn?: string;
}

const closed = (message: string): QuoteTimingOutcome => ({
  ok: false,
  error: { status: 422, code: 'ENROLLMENT_CLOSED', message },
});

/** Exemptions from waiting that this person meets on `paidOn`. */
export function applicableExemptions(policy: PolicyDocument, person: QuotePerson): WaitingExemption[] {
  return policy.waitingExemptions.filter((e) => {
    if (e.window && (person.paidOn < e.window.from || person.paidOn > e.window.to)) return false;
    if (e.identities && !e.identities.some((code) => person.identities.includes(code))) return false;
    if (e.employeeInsuranceEndedWithin) {
      const ended = person.employeeInsuranceEndedOn;
      if (!ended || person.paidOn < ended) return false;
      const within = e.employeeInsuranceEndedWithin;
      // Like the newborn window, the day insurance stopped is not counted.
      const lastDay = 'days' in within ? addDays(ended, within.days) : addMonths(ended, within.months);
      if (person.paidOn > lastDay) return false;
    }
    return true;
  });
}

function exemptionText(e: WaitingExemption): string {
  const who = e.identities
    ? `holders of ${e.identities.join(', ')}`
    : 'people joining soon after employee insurance stopped';
  const when = e.window ? ` paying ${e.window.from}..${e.window.to}` : '';
  return `No waiting period for ${who}${when}: cover starts on the day of payment.`;
}

export function newbornTiming(policy: PolicyDocument, person: QuotePerson): QuoteTimingOutcome {
  const rules = policy.newborn;
  const birthDate = person.birthDate as string;
  const end = policy.periods.concentrated.benefit.to;
  if (!rules) {
    return {
      ok: false,
      error: {
        status: 422,
        code: 'POLICY_INCOMPLETE',
        message: `${policy.id} states no newborn rules`,
        missing: ['newborn'],
      },
    };
  }
  const reasons: Reason[] = [];
  const window = rules.windowDays;
  if (window) {
    const lastDay = addDays(birthDate, window.value);
    if (person.paidOn > lastDay) {
      return {
        ok: false,
        error: {
          status: 422,
          code: 'NEWBORN_WINDOW_PASSED',
          message: `a newborn may enrol alone within ${window.value} days of birth (last day ${lastDay}, ${window.source}); quote as resident instead`,
        },
      };
    }
    reasons.push({
      rule: 'newborn-window',
      source: window.source,
      text: `Paid within ${window.value} days of birth (the day of birth not counted; last day ${lastDay}).`,
    });
  } else if (person.paidOn > end) {
    return closed(`no newborn window is stated and the birth year ends on ${end}`);
  }
  reasons.push({
    rule: 'newborn-cover',
    source: rules.coverFromBirth.source,
    text: `Newborn covered from the day of birth (${birthDate}) to ${end}, with no waiting period.`,
  });
  if (policy.continuity?.exceptCategories.includes('newborn')) {
    reasons.push({
      rule: 'continuity-exception',
      source: policy.continuity.source,
      text: 'Newborns are excepted from the continuity waiting period.',
    });
  }
  return { ok: true, timing: { benefitStart: birthDate, benefitEnd: end, waitingDays: 0, reasons } };
}

/**
 * Residents and college students: concentrated period, late windows, exemptions, continuity. With
 * `academicYear`, cover follows that academic year instead of the insurance year.
 */
export function paymentTiming(
  policy: PolicyDocument,
  person: QuotePerson,
  academicYear?: AcademicYearCover,
): QuoteTimingOutcome {
  const { periods } = policy;
  const c = periods.concentrated;
  const graduates =
    person.category === 'college-student' && person.studentStatus === 'graduating'
      ? policy.collegeStudents?.graduatesToYearEnd
      : undefined;
  // 002#三(三): a graduate's cover no longer stops with the academic year (Aug 31) but runs to
  // Dec 31 of the graduation year, the insurance year's last day.
  const end = academicYear && !graduates?.value ? academicYear.to : c.benefit.to;
  const paidOn = person.paidOn;
  const reasons: Reason[] = [];
  const exemptions = applicableExemptions(policy, person);
  const anyTime = exemptions.find((e) => e.anyTime);

  let start: string;
  let late: boolean;
  let waiting = false;

  if (paidOn < c.from) return closed(`the concentrated period opens on ${c.from} (${c.source})`);
  if (paidOn <= c.to) {
    const days = c.paymentDaysOfMonth;
    if (days && (dayOfMonth(paidOn) < days.from || dayOfMonth(paidOn) > days.to)) {
      return {
        ok: false,
        error: {
          status: 422,
          code: 'OUTSIDE_PAYMENT_DAYS',
          message: `payments are taken only on days ${days.from}-${days.to} of each month in the concentrated period (${c.source})`,
        },
      };
    }
    late = false;
    start = academicYear?.from ?? c.benefit.from;
    reasons.push({
      rule: 'concentrated-period',
      source: c.source,
      text: `Paid in the concentrated period ${c.from}..${c.to}${days ? ` on day ${dayOfMonth(paidOn)} (days ${days.from}-${days.to} accepted)` : ''}.`,
    });
    reasons.push(
      academicYear
        ? {
            rule: 'benefit-academic-year',
            source: academicYear.source,
            text: `Cover for the academic year the notice prices, ${academicYear.from}..${academicYear.to}, from its first day.`,
          }
        : { rule: 'benefit-year', source: c.benefit.source, text: `Cover ${c.benefit.from}..${end}.` },
    );
    const freshman = policy.collegeStudents?.freshmenFromDayAfterPayment;
    if (person.category === 'college-student' && person.studentStatus === 'freshman' && freshman?.value) {
      start = addDays(paidOn, 1);
      reasons.push({
        rule: 'college-freshman',
        source: freshman.source,
        text: `A freshman enrolling for the next year is covered from the day after payment (${start}) to ${end}.`,
      });
    }
  } else {
    late = true;
    if (paidOn > end) {
      return closed(
        academicYear
          ? `the academic year ${academicYear.from}..${academicYear.to} this price is for ends on ${end}`
          : `the insurance year ends on ${end}`,
      );
    }
    const extension = exemptions.find((e) => e.paymentAllowedUntil && paidOn <= e.paymentAllowedUntil);
    const last = periods.lastPaymentDay;
    if (last && paidOn > last.value && !extension && !anyTime) {
      return closed(`the last payment day was ${last.value} (${last.source})`);
    }
    const window = periods.lateWindows.find((w) => w.from <= paidOn && paidOn <= w.to);
    const exemption = anyTime ?? exemptions[0];
    if (exemption) {
      start = paidOn;
      reasons.push({ rule: 'no-waiting-period', source: exemption.source, text: exemptionText(exemption) });
      if (extension && last && paidOn > last.value) {
        reasons.push({
          rule: 'payment-extended',
          source: extension.source,
          text: `These groups may pay until ${extension.paymentAllowedUntil}, after the general last day ${last.value}.`,
        });
      }
    } else if (window) {
      if (window.benefitStart.kind === 'first-of-next-month') {
        start = firstOfNextMonth(paidOn);
        reasons.push({
          rule: 'first-of-next-month',
          source: window.source,
          text: `Paid ${window.from}..${window.to}: cover from the 1st of the next month, ${start}.`,
        });
      } else {
        start = addDays(paidOn, window.benefitStart.days);
        reasons.push({
          rule: 'waiting-days',
          source: window.source,
          text: `Paid ${window.from}..${window.to}: cover ${window.benefitStart.days} days after payment, from ${start}.`,
        });
      }
      waiting = true;
    } else {
      const missing = last ? ['periods.lateWindows'] : ['periods.lastPaymentDay', 'periods.lateWindows'];
      return {
        ok: false,
        error: {
          status: 422,
          code: 'POLICY_INCOMPLETE',
          message: `${policy.id} does not state when cover starts for a payment on ${paidOn}, after the concentrated period ${c.from}..${c.to}`,
          missing,
        },
      };
    }
    if (person.category === 'college-student' && person.studentStatus === 'freshman') {
      const freshman = policy.collegeStudents?.freshmenFromDayAfterPayment;
      if (freshman?.value) {
        reasons.push({
          rule: 'college-freshman',
          source: freshman.source,
          text: 'The day-after-payment start is for freshmen enrolling before the year; a payment within the year follows the late-payment rules.',
        });
      }
    }
  }

  if (graduates?.value) {
    reasons.push({
      rule: 'college-graduate',
      source: graduates.source,
      text: academicYear
        ? `A graduating student stays covered past the academic year's end (${academicYear.to}), to Dec 31 of the graduation year (${end}).`
        : `A graduating student stays covered to Dec 31 of the graduation year (${end}).`,
    });
  }

  const continuity = policy.continuity;
  if (continuity && !continuity.exceptCategories.includes(person.category) && exemptions.length === 0) {
    const known = person.lastEnrolledYear !== undefined;
    const gap = known ? Math.max(0, policy.year - (person.lastEnrolledYear as number) - 1) : 0;
    if (late || gap > 0) {
      const months = continuity.fixedWaitingMonths + Math.max(0, gap - 1) * continuity.extraMonthsPerAdditionalGapYear;
      const byContinuity = addMonths(paidOn, months);
      const why = [
        late ? 'not paid in the concentrated period' : undefined,
        gap > 0 ? `${gap} year(s) without insurance since ${person.lastEnrolledYear}` : undefined,
      ]
        .filter(Boolean)
        .join(' and ');
      const binding = byContinuity > start;
      reasons.push({
        rule: 'continuity',
        source: continuity.source,
        text:
          `Continuity rule: ${why}, so a fixed ${continuity.fixedWaitingMonths}-month wait` +
          (gap > 1 ? ` plus ${gap - 1} month(s) for the extra gap years` : '') +
          ` (${months} months, cover from ${byContinuity}). The longer of this and the payment-window rule applies: ` +
          (binding ? `cover from ${byContinuity}.` : `the window rule's ${start} is not earlier.`),
      });
      if (binding) {
        start = byContinuity;
        waiting = true;
      }
    }
    if (!known) {
      reasons.push({
        rule: 'continuity-unknown-gap',
        source: continuity.source,
        text: 'lastEnrolledYear not given: taken as continuously enrolled; each year of gap beyond the first would add a month of waiting.',
      });
    }
  }

  if (start > end) {
    return closed(`the waiting period would end on ${start}, after cover for ${policy.year} ends on ${end}`);
  }
  const waitingDays = waiting ? daysBetween(paidOn, start) : 0;
  return { ok: true, timing: { benefitStart: start, benefitEnd: end, waitingDays, reasons } };
}
