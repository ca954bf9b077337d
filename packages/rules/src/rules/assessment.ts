import { isCivilDate } from '../civil-date.js';
import type { PolicyDocument } from '../policy/schema.js';
import type { Reason } from './reason.js';

export interface AssessmentFacts {
  /** The village's target (任务数). */
  target: number;
  /** Enrolled on the assessment day (`completeBy`). */
  enrolled: number;
  /** The day the target was reached, if it was. */
  completedOn?: string;
}

export type AssessmentOutcome =
  | {
      ok: true;
      /** Points deducted, negative, in hundredths of a point (−20 = −0.2). */
      pointsHundredths: number;
      /** The same as an exact decimal string, e.g. "-0.2", "0". */
      points: string;
      /** Whole percent completed, rounded down. */
      completionPercent: number;
      /**
       * The band applied, named as the notice names it: `done-in-time`, or the band's percent range
       * from the policy's bands (`≥99%`, `97–98%`, `95–96%`, `<95%`).
       */
      band: string;
      reasons: Reason[];
    }
  | { ok: false; error: { code: 'POLICY_INCOMPLETE' | 'VALIDATION_FAILED'; message: string; missing?: string[] } };

function hundredthsToString(h: number): string {
  if (h === 0) return '0';
  const sign = h < 0 ? '-' : '';
  const abs = Math.abs(h);
  const frac = String(abs % 100)
    .padStart(2, '0')
    .replace(/0+$/, '');
  return `${sign}${Math.trunc(abs / 100)}${frac ? `.${frac}` : ''}`;
}

/** A band's range of whole percents: the first band has no top, the last starts at 0. */
function bandLabel(bands: ReadonlyArray<{ minPercent: number }>, at: number): string {
  const min = bands[at]?.minPercent ?? 0;
  const above = at > 0 ? bands[at - 1]?.minPercent : undefined;
  if (above === undefined) return `≥${min}%`;
  if (min === 0) return `<${above}%`;
  return above - 1 === min ? `${min}%` : `${min}–${above - 1}%`;
}

/**
 * Points a village loses in the comprehensive assessment (003#八(四)). Completion is counted in
 * whole percent rounded down, because a village has "completed 97%" only once it reaches 97%:
 * 96.5% is in the 95–96% band, 98.99% in the 97–98% band.
 */
export function assessmentDeduction(policy: PolicyDocument, facts: AssessmentFacts): AssessmentOutcome {
  const rule = policy.targets?.assessment;
  if (!rule) {
    return {
      ok: false,
      error: {
        code: 'POLICY_INCOMPLETE',
        message: `${policy.id} states no assessment bands`,
        missing: ['targets.assessment'],
      },
    };
  }
  if (
    !Number.isInteger(facts.target) ||
    facts.target <= 0 ||
    !Number.isInteger(facts.enrolled) ||
    facts.enrolled < 0 ||
    (facts.completedOn !== undefined && !isCivilDate(facts.completedOn))
  ) {
    return {
      ok: false,
      error: {
        code: 'VALIDATION_FAILED',
        message: 'target must be a positive integer, enrolled a non-negative integer, completedOn a civil date',
      },
    };
  }
  const completionPercent = Math.floor((facts.enrolled * 100) / facts.target);
  const doneInTime =
    facts.enrolled >= facts.target || (facts.completedOn !== undefined && facts.completedOn <= rule.completeBy);
  if (doneInTime) {
    return {
      ok: true,
      pointsHundredths: 0,
      points: '0',
      completionPercent,
      band: 'done-in-time',
      reasons: [
        {
          rule: 'assessment-done-in-time',
          source: rule.source,
          text: `Target reached by ${rule.completeBy}: no deduction.`,
        },
      ],
    };
  }
  const index = rule.bands.findIndex((b) => completionPercent >= b.minPercent);
  const at = index === -1 ? rule.bands.length - 1 : index;
  const band = rule.bands[at];
  const deduction = band?.deductionHundredths ?? 0;
  const pointsHundredths = deduction === 0 ? 0 : -deduction;
  return {
    ok: true,
    pointsHundredths,
    points: hundredthsToString(pointsHundredths),
    completionPercent,
    band: bandLabel(rule.bands, at),
    reasons: [
      {
        rule: 'assessment-band',
        source: rule.source,
        text: `Not done by ${rule.completeBy}: ${facts.enrolled}/${facts.target} is ${completionPercent}% (whole percent, rounded down), band from ${band?.minPercent}%: ${hundredthsToString(pointsHundredths)} points.`,
      },
    ],
  };
}
