import t from 'tap';
import { estimateReimbursement, type ReimbursementFacts } from '../src/index.js';
import { policy, withOperatorData } from './helpers.js';

const cq2024 = policy('cq-2024');

// 2025 restates only the critical-illness deductible and the tilt; an operator who carries the
// other parameters over loads them as data. These numbers are the 2024 ones, for the test only.
const cq2025Loaded = withOperatorData('cq-2025', (doc) => {
  const b2024 = cq2024.benefits!;
  doc.benefits = {
    ...doc.benefits,
    inpatient: { ...b2024.inpatient!, source: 'operator-2025.txt#住院' },
    criticalIllness: { ...doc.benefits!.criticalIllness!, ratioPercent: 60, capFen: 20000000 },
    annualTotalCapFen: { tier1: 28000000, tier2: 32000000, source: 'operator-2025.txt#封顶' },
  };
});

function estimate(doc = cq2024, facts: Partial<ReimbursementFacts> & { inScopeCostFen: number }) {
  const r = estimateReimbursement(doc, { tier: 1, hospitalLevel: 1, ...facts });
  return r.ok
    ? { basic: r.estimate.basicFen, critical: r.estimate.criticalIllnessFen, total: r.estimate.totalFen }
    : { code: r.error.code, missing: r.error.missing };
}

t.test('inpatient basic and critical-illness estimate (000#附件2)', async (t) => {
  const rows: Array<[string, Partial<ReimbursementFacts> & { inScopeCostFen: number }, object]> = [
    [
      'level 1, tier 1: (10,000 − 100) × 80%',
      { inScopeCostFen: 1000000 },
      { basic: 792000, critical: 0, total: 792000 },
    ],
    [
      'level 2, tier 2: (5,000 − 300) × 75%',
      { inScopeCostFen: 500000, tier: 2, hospitalLevel: 2 },
      { basic: 352500, critical: 0, total: 352500 },
    ],
    [
      'level 2, tier 1, minor: 70% + 5 points; critical 60% of 25,225 − 17,833',
      { inScopeCostFen: 10000000, hospitalLevel: 2, minor: true },
      { basic: 7477500, critical: 443520, total: 7921020 },
    ],
    ['below the deductible', { inScopeCostFen: 9000, hospitalLevel: 1 }, { basic: 0, critical: 0, total: 0 }],
    ['fractions of a fen round down', { inScopeCostFen: 10001, hospitalLevel: 1 }, { basic: 0, critical: 0, total: 0 }],
    [
      'level 3, tier 1: basic cap 80,000; critical 60% above 17,833',
      { inScopeCostFen: 30000000, hospitalLevel: 3 },
      { basic: 8000000, critical: 12130020, total: 20130020 },
    ],
    [
      'annual total cap 280,000 (tier 1)',
      { inScopeCostFen: 100000000, hospitalLevel: 3 },
      { basic: 8000000, critical: 20000000, total: 28000000 },
    ],
    [
      'annual total cap 320,000 (tier 2)',
      { inScopeCostFen: 100000000, hospitalLevel: 3, tier: 2 },
      { basic: 12000000, critical: 20000000, total: 32000000 },
    ],
    [
      'earlier out-of-pocket counts toward the critical-illness deductible',
      { inScopeCostFen: 1000000, priorOutOfPocketFen: 1783300 },
      { basic: 792000, critical: 124800, total: 916800 },
    ],
  ];
  for (const [what, facts, expected] of rows) t.same(estimate(cq2024, facts), expected, `000#附件2 ${what}`);
});

t.test('2025 tilt for 特困, 低保, 返贫致贫: deductible −50%, +5 points, no cap (003#七)', async (t) => {
  t.same(
    estimate(cq2025Loaded, { inScopeCostFen: 100000000, hospitalLevel: 3 }),
    { basic: 8000000, critical: 20000000, total: 28000000 },
    '003#七 deductible 18,797 without the tilt, capped',
  );
  t.same(
    estimate(cq2025Loaded, { inScopeCostFen: 100000000, hospitalLevel: 3, identities: ['特困人员'] }),
    // (1,000,000 − 80,000 basic − 9,398.50) × 65% = 59,189,097.5 fen, rounded down
    { basic: 8000000, critical: 59189097, total: 67189097 },
    '003#七 tilt: no critical-illness cap and no annual cap',
  );
  t.same(
    estimate(cq2025Loaded, { inScopeCostFen: 3000000, hospitalLevel: 3, identities: ['城乡低保对象'] }),
    // basic (30,000 − 800) × 50% = 14,600; out of pocket 15,400 yuan; (1,540,000 − 939,850) × 65%
    { basic: 1460000, critical: 390097, total: 1850097 },
    '003#七 tilt lowers the deductible to 9,398.50 yuan',
  );
  t.same(
    estimate(cq2025Loaded, { inScopeCostFen: 3000000, hospitalLevel: 3, identities: ['稳定脱贫人口'] }),
    { basic: 1460000, critical: 0, total: 1460000 },
    '003#七 no tilt for other identities: 15,400 is below 18,797',
  );
  t.same(
    estimate(cq2025Loaded, { inScopeCostFen: 100000000, hospitalLevel: 3, continuousYears: 6 }),
    { code: 'POLICY_INCOMPLETE', missing: ['benefits.criticalIllness.capRaise.amountFen'] },
    '003#七 cap raise after 4 continuous years: amount not stated',
  );
  t.same(
    estimate(cq2025Loaded, { inScopeCostFen: 1000000, continuousYears: 6 }),
    { basic: 792000, critical: 0, total: 792000 },
    '003#七 the unknown raise does not matter while the cap does not bind',
  );
});

t.test('documents without the parameters answer POLICY_INCOMPLETE', async (t) => {
  t.same(
    estimate(policy('cq-2025'), { inScopeCostFen: 1000000 }),
    {
      code: 'POLICY_INCOMPLETE',
      missing: ['benefits.inpatient', 'benefits.criticalIllness.ratioPercent', 'benefits.criticalIllness.capFen'],
    },
    '003#七 restates only the deductible and the tilt',
  );
  t.same(
    estimate(policy('cq-2023'), { inScopeCostFen: 1000000, identities: ['特困人员'] }),
    {
      code: 'POLICY_INCOMPLETE',
      missing: [
        'benefits.inpatient',
        'benefits.criticalIllness.ratioPercent',
        'benefits.criticalIllness.capFen',
        'benefits.criticalIllnessTilt.deductibleReductionPercent',
        'benefits.criticalIllnessTilt.ratioBonusPoints',
      ],
    },
    '002#四(一)/(二): deductible 16,901 and a tilt without parameters',
  );
  t.same(
    estimate(policy('xiaoyi-2024'), { inScopeCostFen: 1000000 }),
    {
      code: 'POLICY_INCOMPLETE',
      missing: [
        'benefits.inpatient',
        'benefits.criticalIllness',
        'benefits.criticalIllness.ratioPercent',
        'benefits.criticalIllness.capFen',
      ],
    },
    '004#3: no parameters',
  );
  t.same(
    estimate(cq2024, { inScopeCostFen: 1000000, identities: ['低保'] }),
    { code: 'UNKNOWN_IDENTITY', missing: undefined },
    'unknown identity strings are refused',
  );
});
