import t from 'tap';
import { assessmentDeduction, checkEligibility, type EligibilityFacts } from '../src/index.js';
import { policy } from './helpers.js';

t.test('checkEligibility: who is in scope each year, and the conflicts the notices name', async (t) => {
  const rows: Array<{
    clause: string;
    id: string;
    facts: EligibilityFacts;
    eligible: boolean;
    mode?: 'in-scope' | 'encouraged' | null;
    conflicts?: string[];
  }> = [
    { clause: '002#二(一)', id: 'cq-2023', facts: { bases: ['local-hukou'] }, eligible: true, mode: 'in-scope' },
    {
      clause: '002#二(一) (no residence permits in 2023)',
      id: 'cq-2023',
      facts: { bases: ['residence-permit'] },
      eligible: false,
      conflicts: ['NOT_IN_SCOPE'],
    },
    {
      clause: '002#二(一)',
      id: 'cq-2023',
      facts: { bases: ['local-hukou'], inEmployeeInsurance: true },
      eligible: false,
      conflicts: ['EMPLOYEE_INSURANCE'],
    },
    {
      clause: '002#八(一)',
      id: 'cq-2023',
      facts: { bases: ['local-hukou'], enrolledElsewhere: true },
      eligible: false,
      conflicts: ['DUPLICATE_ENROLMENT'],
    },
    {
      clause: '000#二(二) (mobilised)',
      id: 'cq-2024',
      facts: { bases: ['residence-permit'] },
      eligible: true,
      mode: 'encouraged',
    },
    {
      clause: '000#二(一) + 二(二): the stronger ground counts',
      id: 'cq-2024',
      facts: { bases: ['other-district-hukou-resident', 'local-school-student'] },
      eligible: true,
      mode: 'in-scope',
    },
    {
      clause: '000#二 (foreign permanent residents only from 2025)',
      id: 'cq-2024',
      facts: { bases: ['foreign-permanent-resident'] },
      eligible: false,
      conflicts: ['NOT_IN_SCOPE'],
    },
    {
      clause: '000#一',
      id: 'cq-2024',
      facts: { bases: ['local-hukou'], enrolledElsewhere: true, inEmployeeInsurance: true },
      eligible: false,
      conflicts: ['EMPLOYEE_INSURANCE', 'DUPLICATE_ENROLMENT'],
    },
    {
      clause: '003#二(二)',
      id: 'cq-2025',
      facts: { bases: ['foreign-permanent-resident'] },
      eligible: true,
      mode: 'in-scope',
    },
    { clause: '003#二(二)', id: 'cq-2025', facts: { bases: ['hk-macau-taiwan-residence-permit'] }, eligible: true },
    { clause: '003#二(二)', id: 'cq-2025', facts: { bases: ['hk-macau-taiwan-student'] }, eligible: true },
    { clause: '003#二(二)', id: 'cq-2025', facts: { bases: ['talent-family'] }, eligible: true },
    { clause: '003#二(二)', id: 'cq-2025', facts: { bases: ['residence-permit'] }, eligible: true, mode: 'in-scope' },
    { clause: '003#二(一)', id: 'cq-2025', facts: { bases: ['college-student'] }, eligible: true },
    {
      clause: '003#二(一)',
      id: 'cq-2025',
      facts: { bases: ['talent-family'], inEmployeeInsurance: true },
      eligible: false,
      conflicts: ['EMPLOYEE_INSURANCE'],
    },
    {
      clause: '003 (no duplicate rule restated)',
      id: 'cq-2025',
      facts: { bases: ['local-hukou'], enrolledElsewhere: true },
      eligible: true,
    },
    {
      clause: '003#二 (nobody else)',
      id: 'cq-2025',
      facts: { bases: [] },
      eligible: false,
      conflicts: ['NOT_IN_SCOPE'],
    },
    { clause: '004#2', id: 'xiaoyi-2024', facts: { bases: [] }, eligible: true, mode: 'in-scope' },
    {
      clause: '004#2',
      id: 'xiaoyi-2024',
      facts: { bases: ['residence-permit'], inEmployeeInsurance: true },
      eligible: false,
      conflicts: ['EMPLOYEE_INSURANCE'],
    },
    {
      clause: '004#1',
      id: 'xiaoyi-2024',
      facts: { bases: [], enrolledElsewhere: true },
      eligible: false,
      conflicts: ['DUPLICATE_ENROLMENT'],
    },
  ];
  for (const row of rows) {
    const r = checkEligibility(policy(row.id), row.facts);
    const got: Record<string, unknown> = { eligible: r.eligible };
    const want: Record<string, unknown> = { eligible: row.eligible };
    if (row.mode !== undefined) {
      got.mode = r.mode;
      want.mode = row.mode;
    }
    if (row.conflicts) {
      got.conflicts = r.conflicts.map((c) => c.code);
      want.conflicts = row.conflicts;
    }
    t.same(got, want, `${row.clause} ${row.id} ${JSON.stringify(row.facts)}`);
    t.ok(
      [...r.conflicts, ...r.reasons].every((x) => /\.txt#\S+$/.test(x.source)),
      `${row.clause}: every conflict and reason cites a clause`,
    );
  }
});

t.test('assessmentDeduction: 003#八(四) bands, whole percent rounded down', async (t) => {
  const cq2025 = policy('cq-2025');
  const rows: Array<[string, { target: number; enrolled: number; completedOn?: string }, number, string]> = [
    ['done on 2024-12-20', { target: 1000, enrolled: 980, completedOn: '2024-12-20' }, 0, '0'],
    ['done on 2024-12-19', { target: 1000, enrolled: 900, completedOn: '2024-12-19' }, 0, '0'],
    ['done on 2024-12-21 at 99%', { target: 1000, enrolled: 990, completedOn: '2024-12-21' }, -20, '-0.2'],
    ['target reached on the day', { target: 1000, enrolled: 1000 }, 0, '0'],
    ['99.9%', { target: 1000, enrolled: 999 }, -20, '-0.2'],
    ['99%', { target: 100, enrolled: 99 }, -20, '-0.2'],
    ['98.99%', { target: 10000, enrolled: 9899 }, -50, '-0.5'],
    ['98%', { target: 100, enrolled: 98 }, -50, '-0.5'],
    ['97%', { target: 100, enrolled: 97 }, -50, '-0.5'],
    ['96.5%', { target: 200, enrolled: 193 }, -80, '-0.8'],
    ['96%', { target: 100, enrolled: 96 }, -80, '-0.8'],
    ['95%', { target: 100, enrolled: 95 }, -80, '-0.8'],
    ['94.99%', { target: 10000, enrolled: 9499 }, -100, '-1'],
    ['0%', { target: 100, enrolled: 0 }, -100, '-1'],
  ];
  for (const [what, facts, hundredths, points] of rows) {
    const r = assessmentDeduction(cq2025, facts);
    t.same(
      r.ok ? { hundredths: r.pointsHundredths, points: r.points } : r.error.code,
      { hundredths, points },
      `003#八(四) ${what}`,
    );
  }
  const bands = (
    [
      [{ target: 1000, enrolled: 900, completedOn: '2024-12-19' }, 'done-in-time'],
      [{ target: 100, enrolled: 99 }, '≥99%'],
      [{ target: 100, enrolled: 97 }, '97–98%'],
      [{ target: 100, enrolled: 95 }, '95–96%'],
      [{ target: 10000, enrolled: 9499 }, '<95%'],
    ] as const
  ).map(([facts]) => {
    const r = assessmentDeduction(cq2025, facts);
    return r.ok ? r.band : r.error.code;
  });
  t.same(bands, ['done-in-time', '≥99%', '97–98%', '95–96%', '<95%'], '003#八(四) bands named from the policy');
  const none = assessmentDeduction(policy('cq-2024'), { target: 100, enrolled: 50 });
  t.same(
    none.ok ? null : { code: none.error.code, missing: none.error.missing },
    { code: 'POLICY_INCOMPLETE', missing: ['targets.assessment'] },
    '000#七(一): assessment named, bands not stated',
  );
  const bad = assessmentDeduction(cq2025, { target: 0, enrolled: 0 });
  t.equal(bad.ok ? null : bad.error.code, 'VALIDATION_FAILED', 'a zero target is refused');
});
