import type { FieldError } from '@rmi/contracts';
import { assessmentDeduction, isCivilDate } from '@rmi/rules';
import { UnprocessableError } from '@rmi/service-kit';
import type { ReportingDeps } from '../deps.js';
import type { RegionRow } from '../regions/regions.repository.js';
import { noPolicy, policyFor, type Reader, refuse, regionFor, TOWNSHIP_CODE } from '../weekly/report-checks.js';
import { villagesOn } from './assessment.repository.js';

export interface VillageAssessment {
  region: RegionRow;
  target: number;
  /** Paid by the assessment day. */
  paid: number;
  rate: number;
  /** Whole percent completed, rounded down (the rule's). */
  completionPercent: number;
  /** Points deducted, as a positive number (0.2 / 0.5 / 0.8 / 1). */
  deduction: number;
  /** done-in-time, or the band's percent range as the policy's bands name it. */
  band: string;
  completedOn: string | null;
  /** The notice clause the bands come from. */
  source: string;
}

/**
 * Each village of a township with a target, scored on a day (today when none is given) by the
 * policy's assessment bands (rules' assessmentDeduction, 003#八(四)): enrolled is the paid count by
 * that day, completedOn the first day it reached the target. VALIDATION_FAILED: not a township
 * code, not a date, a year no policy covers; POLICY_INCOMPLETE (422) when the policy in force states
 * no assessment bands (the rule's own code: the year is known, the notice just sets no scoring);
 * OUT_OF_SCOPE outside the reader's region.
 */
export async function assessmentOf(
  deps: ReportingDeps,
  reader: Reader,
  args: { townshipCode: string; year: number; on?: string | null },
): Promise<VillageAssessment[]> {
  const { townshipCode, year } = args;
  const on = args.on ?? deps.today();
  refuse([
    ...(TOWNSHIP_CODE.test(townshipCode) ? [] : [{ path: 'townshipCode', message: 'A township code has 9 digits.' }]),
    ...(isCivilDate(on) ? [] : [{ path: 'on', message: `${on} is not a date (YYYY-MM-DD).` }]),
  ]);
  await regionFor(deps, reader, townshipCode);
  const policy = await policyFor(deps, townshipCode, year);
  const errors: FieldError[] = policy ? [] : [noPolicy(townshipCode, year)];
  refuse(errors);
  const rule = policy?.targets?.assessment;
  if (!policy || !rule) {
    throw new UnprocessableError('POLICY_INCOMPLETE', `${policy?.id} states no assessment bands.`, {
      policy: policy?.id,
      missing: ['targets.assessment'],
    });
  }

  const villages = await villagesOn(deps.db, townshipCode, year, on);
  return villages.map((v) => {
    const outcome = assessmentDeduction(policy, {
      target: v.target,
      enrolled: v.paid,
      ...(v.completedOn ? { completedOn: v.completedOn } : {}),
    });
    if (!outcome.ok) {
      // Only a policy without bands fails here, and that was refused above; counts are whole.
      throw new UnprocessableError(outcome.error.code, outcome.error.message);
    }
    return {
      region: v.region,
      target: v.target,
      paid: v.paid,
      rate: v.paid / v.target,
      completionPercent: outcome.completionPercent,
      deduction: Math.abs(outcome.pointsHundredths) / 100,
      band: outcome.band,
      completedOn: v.completedOn,
      source: rule.source,
    };
  });
}
