import { resolveIdentities } from '../identity-types.js';
import { percentOfFenDown } from '../money.js';
import type { PolicyDocument } from '../policy/schema.js';
import { type Reason, yuan } from './reason.js';

export interface ReimbursementFacts {
  tier: 1 | 2;
  hospitalLevel: 1 | 2 | 3;
  /** In-scope (政策范围内) cost of the stay, in fen. */
  inScopeCostFen: number;
  minor?: boolean;
  identities?: readonly string[];
  /** Earlier in-scope out-of-pocket cost this year, counted toward the critical-illness deductible. */
  priorOutOfPocketFen?: number;
  /** Years of continuous enrolment up to this one, for the critical-illness cap raise (003#七). */
  continuousYears?: number;
  /** The previous year had no claims (003#七). */
  zeroClaimPreviousYear?: boolean;
}

export interface ReimbursementEstimate {
  basicFen: number;
  criticalIllnessFen: number;
  totalFen: number;
  /** What is left for the person (and for medical assistance, not estimated here). */
  outOfPocketFen: number;
  reasons: Reason[];
}

export type ReimbursementOutcome =
  | { ok: true; estimate: ReimbursementEstimate }
  | {
      ok: false;
      error: {
        code: 'POLICY_INCOMPLETE' | 'UNKNOWN_IDENTITY';
        message: string;
        missing?: string[];
        identities?: string[];
      };
    };

const LEVEL = { 1: 'level1', 2: 'level2', 3: 'level3' } as const;
const TIER = { 1: 'tier1', 2: 'tier2' } as const;

/**
 * Inpatient estimate for one stay: basic insurance, then critical-illness insurance on the
 * in-scope cost left to the person. Fund shares are rounded down to the fen so that the estimate
 * never promises more than the fund pays. Simplifications are listed in POLICY.md.
 */
export function estimateReimbursement(policy: PolicyDocument, facts: ReimbursementFacts): ReimbursementOutcome {
  const resolved = resolveIdentities(facts.identities ?? []);
  if (resolved.unknown.length > 0) {
    return {
      ok: false,
      error: {
        code: 'UNKNOWN_IDENTITY',
        message: `not an identity code or label: ${resolved.unknown.join(', ')}`,
        identities: resolved.unknown,
      },
    };
  }
  const b = policy.benefits;
  const inpatient = b?.inpatient;
  const critical = b?.criticalIllness;
  const tilt = b?.criticalIllnessTilt;
  const tilted = tilt ? tilt.identities.some((code) => resolved.codes.includes(code)) : false;

  const missing: string[] = [];
  if (!inpatient) missing.push('benefits.inpatient');
  if (!critical) missing.push('benefits.criticalIllness');
  if (critical?.ratioPercent === undefined) missing.push('benefits.criticalIllness.ratioPercent');
  if (!(tilted && tilt?.noCap) && critical?.capFen === undefined) missing.push('benefits.criticalIllness.capFen');
  if (tilted && tilt) {
    if (tilt.deductibleReductionPercent === undefined)
      missing.push('benefits.criticalIllnessTilt.deductibleReductionPercent');
    if (tilt.ratioBonusPoints === undefined) missing.push('benefits.criticalIllnessTilt.ratioBonusPoints');
  }
  if (!inpatient || !critical || missing.length > 0) {
    return {
      ok: false,
      error: {
        code: 'POLICY_INCOMPLETE',
        message: `${policy.id} does not state ${missing.join(', ')}; an operator must load it into the policy`,
        missing: [...new Set(missing)],
      },
    };
  }

  const reasons: Reason[] = [];
  const level = LEVEL[facts.hospitalLevel];
  const tier = TIER[facts.tier];
  const cost = facts.inScopeCostFen;

  const deductible = inpatient.deductibleFen[level];
  const bonus = facts.minor ? inpatient.minorBonusPoints : 0;
  const ratio = Math.min(100, inpatient.ratioPercent[tier][level] + bonus);
  const basicCap = inpatient.capFen[tier];
  const basicUncapped = percentOfFenDown(Math.max(0, cost - deductible), ratio);
  const basicFen = Math.min(basicUncapped, basicCap);
  reasons.push({
    rule: 'inpatient-basic',
    source: inpatient.source,
    text:
      `Level-${facts.hospitalLevel} hospital, tier ${facts.tier}: deductible ${yuan(deductible)}, ${ratio}%` +
      (bonus ? ` (${bonus} points more for a minor)` : '') +
      ` of the rest, cap ${yuan(basicCap)}: ${yuan(basicFen)}.`,
  });

  const outOfPocket = cost - basicFen;
  const reduction = tilted ? (tilt?.deductibleReductionPercent ?? 0) : 0;
  const ciDeductible = critical.deductibleFen - percentOfFenDown(critical.deductibleFen, reduction);
  const ciRatio = Math.min(100, (critical.ratioPercent as number) + (tilted ? (tilt?.ratioBonusPoints ?? 0) : 0));
  const uncappedCi = tilted && tilt?.noCap;
  const counted = outOfPocket + (facts.priorOutOfPocketFen ?? 0);
  const alreadyOver = Math.max(0, (facts.priorOutOfPocketFen ?? 0) - ciDeductible);
  const ciBase = Math.max(0, counted - ciDeductible) - alreadyOver;
  const ciUncapped = percentOfFenDown(ciBase, ciRatio);
  const ciCap = critical.capFen as number;
  let criticalIllnessFen = uncappedCi ? ciUncapped : Math.min(ciUncapped, ciCap);
  reasons.push({
    rule: 'critical-illness',
    source: critical.source,
    text: `Critical illness: ${ciRatio}% of the in-scope out-of-pocket cost above ${yuan(ciDeductible)}${uncappedCi ? ', no cap' : `, cap ${yuan(ciCap)}`}: ${yuan(criticalIllnessFen)}.`,
  });
  if (tilted && tilt) {
    reasons.push({
      rule: 'critical-illness-tilt',
      source: tilt.source,
      text: `Tilt for ${tilt.identities.join(', ')}: deductible −${reduction}%, ratio +${tilt.ratioBonusPoints} points${tilt.noCap ? ', no cap' : ''}.`,
    });
  }

  const raise = critical.capRaise;
  const qualifiesForRaise =
    raise &&
    ((facts.continuousYears ?? 0) > raise.afterContinuousYears ||
      (raise.afterZeroClaimYear && facts.zeroClaimPreviousYear === true));
  if (qualifiesForRaise && !uncappedCi && ciUncapped > ciCap) {
    if (raise.amountFen === undefined) {
      return {
        ok: false,
        error: {
          code: 'POLICY_INCOMPLETE',
          message: `the critical-illness cap binds and is raised for this person, but ${policy.id} does not state by how much`,
          missing: ['benefits.criticalIllness.capRaise.amountFen'],
        },
      };
    }
    criticalIllnessFen = Math.min(ciUncapped, ciCap + raise.amountFen);
    reasons.push({
      rule: 'critical-illness-cap-raise',
      source: critical.source,
      text: `Cap raised by ${yuan(raise.amountFen)} for continuous enrolment or a zero-claim year.`,
    });
  }

  let totalFen = basicFen + criticalIllnessFen;
  const annual = b.annualTotalCapFen;
  if (annual && !uncappedCi && totalFen > annual[tier]) {
    criticalIllnessFen = annual[tier] - basicFen;
    totalFen = annual[tier];
    reasons.push({
      rule: 'annual-total-cap',
      source: annual.source,
      text: `Annual total cap ${yuan(annual[tier])} reached.`,
    });
  }
  return {
    ok: true,
    estimate: { basicFen, criticalIllnessFen, totalFen, outOfPocketFen: cost - totalFen, reasons },
  };
}
