import t from 'tap';
import { checkRows, policy, q, type Row, SEED, summary } from './helpers.js';

const cq2023 = policy('cq-2023');
const cq2024 = policy('cq-2024');
const cq2025 = policy('cq-2025');
const xiaoyi = policy('xiaoyi-2024');

const newborn = (birthDate: string, paidOn: string, extra: Partial<Row['request']> = {}) => ({
  category: 'newborn' as const,
  birthDate,
  paidOn,
  ...extra,
});

t.test('newborn window: birthDate + 90 is inside, + 91 outside; cover from birth, no wait', async (t) => {
  const rows: Row[] = [
    {
      clause: '003#三 (day of birth)',
      doc: cq2025,
      request: newborn('2025-03-01', '2025-03-01'),
      expect: { benefitStart: '2025-03-01', benefitEnd: '2025-12-31', waitingDays: 0, personalFen: 40000 },
    },
    {
      clause: '003#三 (birth + 89)',
      doc: cq2025,
      request: newborn('2025-03-01', '2025-05-29'),
      expect: { benefitStart: '2025-03-01', waitingDays: 0 },
    },
    {
      clause: '003#三 (birth + 90)',
      doc: cq2025,
      request: newborn('2025-03-01', '2025-05-30'),
      expect: { benefitStart: '2025-03-01', waitingDays: 0, personalFen: 40000 },
    },
    {
      clause: '003#三 (birth + 91)',
      doc: cq2025,
      request: newborn('2025-03-01', '2025-05-31'),
      expect: { code: 'NEWBORN_WINDOW_PASSED' },
    },
    {
      clause: '003#七 (newborns excepted from continuity)',
      doc: cq2025,
      request: newborn('2025-03-01', '2025-05-30', { lastEnrolledYear: 2019 }),
      expect: { benefitStart: '2025-03-01', waitingDays: 0 },
    },
    {
      clause: '003#三 (window runs into the next year)',
      doc: cq2025,
      request: newborn('2025-12-01', '2026-01-15', { tier: 2 }),
      expect: { benefitStart: '2025-12-01', benefitEnd: '2025-12-31', personalFen: 77500 },
    },
    {
      clause: '000#五(二) (leap year: birth + 90 = 03-31)',
      doc: cq2024,
      request: newborn('2024-01-01', '2024-03-31'),
      expect: { benefitStart: '2024-01-01', personalFen: 38000 },
    },
    {
      clause: '000#五(二) (leap year: birth + 91)',
      doc: cq2024,
      request: newborn('2024-01-01', '2024-04-01'),
      expect: { code: 'NEWBORN_WINDOW_PASSED' },
    },
    {
      clause: '000#五(二) (born on the leap day)',
      doc: cq2024,
      request: newborn('2024-02-29', '2024-05-29'),
      expect: { benefitStart: '2024-02-29' },
    },
    {
      clause: '000#五(二)',
      doc: cq2024,
      request: newborn('2024-02-29', '2024-05-30'),
      expect: { code: 'NEWBORN_WINDOW_PASSED' },
    },
    {
      clause: '002#三(一) (birth + 90)',
      doc: cq2023,
      request: newborn('2023-02-01', '2023-05-02'),
      expect: { benefitStart: '2023-02-01', personalFen: 35000 },
    },
    {
      clause: '002#三(一) (birth + 91)',
      doc: cq2023,
      request: newborn('2023-02-01', '2023-05-03'),
      expect: { code: 'NEWBORN_WINDOW_PASSED' },
    },
  ];
  checkRows(t, rows);
});

t.test('newborns after the fiscal-subsidy cut-off', async (t) => {
  const rows: Row[] = [
    {
      clause: '003#六 (personal part only)',
      doc: cq2025,
      request: newborn('2025-06-01', '2025-08-30'),
      expect: { fiscalSubsidyFen: 0, personalFen: 40000, benefitStart: '2025-06-01' },
    },
    {
      clause: '003#六 (personal part only, tier 2)',
      doc: cq2025,
      request: newborn('2025-09-15', '2025-10-20', { tier: 2 }),
      expect: { fiscalSubsidyFen: 0, personalFen: 77500 },
    },
    {
      clause: '000#三 (the day before the cut-off)',
      doc: cq2024,
      request: newborn('2024-06-01', '2024-06-30'),
      expect: { fiscalSubsidyFen: 0, personalFen: 38000 },
    },
    {
      clause: '000#三 (no newborn exception: fiscal part added)',
      doc: cq2024,
      request: newborn('2024-06-01', '2024-07-01'),
      expect: { fiscalSubsidyFen: 67000, personalFen: 105000, benefitStart: '2024-06-01', waitingDays: 0 },
    },
    {
      clause: '002#三(一) (the day of the cut-off)',
      doc: cq2023,
      request: newborn('2023-05-01', '2023-06-30'),
      expect: { fiscalSubsidyFen: 0, personalFen: 35000 },
    },
    {
      clause: '002#三(一) + 002#二(三) (no exception, amount not stated)',
      doc: cq2023,
      request: newborn('2023-05-01', '2023-07-01'),
      expect: { code: 'POLICY_INCOMPLETE', missing: ['fiscalSubsidyPerCapitaFen'] },
    },
    {
      clause: '002#三(一) (no last payment day for newborns)',
      doc: cq2023,
      request: newborn('2023-05-01', '2023-06-15', { identities: ['城乡低保对象'] }),
      expect: { assistanceFen: 31500, personalFen: 3500 },
    },
  ];
  checkRows(t, rows);
});

t.test('Xiaoyi newborns pay nothing in the birth year (004#4)', async (t) => {
  const rows: Row[] = [
    {
      clause: '004#4',
      doc: xiaoyi,
      request: newborn('2024-03-01', '2024-03-05'),
      expect: {
        standardFen: 38000,
        waiverFen: 38000,
        assistanceFen: 0,
        assistanceIdentity: null,
        personalFen: 0,
        benefitStart: '2024-03-01',
        benefitEnd: '2024-12-31',
        waitingDays: 0,
      },
    },
    {
      clause: '004#4 (no window stated: registered late in the year)',
      doc: xiaoyi,
      request: newborn('2024-01-10', '2024-11-26'),
      expect: { personalFen: 0, benefitStart: '2024-01-10' },
    },
    {
      clause: '004#4 (waiver before assistance)',
      doc: xiaoyi,
      request: newborn('2024-03-01', '2024-03-05', { identities: ['特困人员'] }),
      expect: { waiverFen: 38000, assistanceFen: 0, assistanceIdentity: null, personalFen: 0 },
    },
    {
      clause: '004#3 (single tier)',
      doc: xiaoyi,
      request: newborn('2024-03-01', '2024-03-05', { tier: 2 }),
      expect: { code: 'TIER_NOT_OFFERED' },
    },
  ];
  checkRows(t, rows);
});

t.test('newborn requests that are malformed', async (t) => {
  const missing = q(cq2025, { category: 'newborn', paidOn: '2025-03-01' });
  t.same(
    missing.ok ? null : { status: missing.error.status, code: missing.error.code, fields: missing.error.errors },
    {
      status: 400,
      code: 'VALIDATION_FAILED',
      fields: [{ field: 'birthDate', message: 'required when category is newborn' }],
    },
    'contract: birthDate is required for newborns',
  );
  const priorYear = q(cq2025, newborn('2024-12-20', '2025-01-10'));
  t.equal(
    priorYear.ok ? null : priorYear.error.code,
    'VALIDATION_FAILED',
    '003#三: 当年出生 — born in 2024 is not a 2025 newborn',
  );
  const beforeBirth = q(cq2025, newborn('2025-03-10', '2025-03-01'));
  t.equal(beforeBirth.ok ? null : beforeBirth.error.code, 'VALIDATION_FAILED', 'payment before birth');
});

t.test('college students', async (t) => {
  const rows: Row[] = [
    {
      clause: '003#四(一)',
      doc: cq2025,
      request: {
        category: 'college-student',
        paidOn: '2024-10-01',
        studentStatus: 'returning',
        lastEnrolledYear: 2024,
      },
      expect: { standardFen: 38000, personalFen: 38000, benefitStart: '2025-01-01', benefitEnd: '2025-12-31' },
    },
    {
      clause: '003#四(一)',
      doc: cq2025,
      request: { category: 'college-student', paidOn: '2024-10-01', tier: 2, lastEnrolledYear: 2024 },
      expect: { standardFen: 75500, personalFen: 75500 },
    },
    {
      clause: '000#五(四) (freshman: from the day after payment)',
      doc: cq2025,
      request: { category: 'college-student', paidOn: '2024-09-20', studentStatus: 'freshman', lastEnrolledYear: 2024 },
      expect: { benefitStart: '2024-09-21', benefitEnd: '2025-12-31', waitingDays: 0, personalFen: 38000 },
    },
    {
      clause: '000#五(四) (freshman on the last day of the period)',
      doc: cq2025,
      request: { category: 'college-student', paidOn: '2024-12-31', studentStatus: 'freshman', lastEnrolledYear: 2024 },
      expect: { benefitStart: '2025-01-01' },
    },
    {
      clause: '000#五(四) + 003#七 (freshman paying within the year: late rules)',
      doc: cq2025,
      request: { category: 'college-student', paidOn: '2025-03-10', studentStatus: 'freshman', lastEnrolledYear: 2024 },
      expect: { benefitStart: '2025-06-10', waitingDays: 92 },
    },
    {
      clause: '002#三(三) (graduate: to Dec 31)',
      doc: cq2025,
      request: {
        category: 'college-student',
        paidOn: '2024-11-01',
        studentStatus: 'graduating',
        lastEnrolledYear: 2024,
      },
      expect: { benefitStart: '2025-01-01', benefitEnd: '2025-12-31' },
    },
    {
      clause: '000#五(四) (no 2024 college standard stated)',
      doc: cq2024,
      request: { category: 'college-student', paidOn: '2023-12-01' },
      expect: { code: 'POLICY_INCOMPLETE', missing: ['standards.collegeStudent'] },
    },
    {
      clause: '004#3 (single tier)',
      doc: xiaoyi,
      request: { category: 'college-student', paidOn: '2023-10-10', tier: 2 },
      expect: { code: 'TIER_NOT_OFFERED' },
    },
  ];
  checkRows(t, rows);
  const graduate = q(cq2025, { category: 'college-student', paidOn: '2024-11-01', studentStatus: 'graduating' });
  t.ok(
    graduate.ok && graduate.quote.reasons.some((r) => r.rule === 'college-graduate' && r.source.endsWith('#三(三)')),
    '002#三(三) is cited for a graduate',
  );
});

t.test('2023 college students: the academic-year price of 002#二(二), with cover for that academic year', async (t) => {
  const college = (paidOn: string, extra: Partial<Row['request']> = {}) => ({
    category: 'college-student' as const,
    paidOn,
    ...extra,
  });
  const rows: Row[] = [
    {
      clause: '002#二(二) (tier 1, concentrated period)',
      doc: cq2023,
      request: college('2022-11-01'),
      expect: {
        standardFen: 32000,
        personalFen: 32000,
        benefitStart: '2022-09-01',
        benefitEnd: '2023-08-31',
        waitingDays: 0,
      },
    },
    {
      clause: '002#二(二) (tier 2)',
      doc: cq2023,
      request: college('2022-12-31', { tier: 2 }),
      expect: { standardFen: 69500, personalFen: 69500, benefitStart: '2022-09-01', benefitEnd: '2023-08-31' },
    },
    {
      clause: '002#二(二) + 002#三(三) (graduating: cover to Dec 31 of the graduation year)',
      doc: cq2023,
      request: college('2022-11-01', { studentStatus: 'graduating' }),
      expect: { standardFen: 32000, benefitStart: '2022-09-01', benefitEnd: '2023-12-31' },
    },
    {
      clause: '002#二(二) + 002#三(三) (paid in February: from the 1st of the next month)',
      doc: cq2023,
      request: college('2023-02-10'),
      expect: { standardFen: 32000, benefitStart: '2023-03-01', benefitEnd: '2023-08-31', waitingDays: 19 },
    },
    {
      clause: '002#二(二) + 002#三(三) (paid in May: 90 days, still inside the academic year)',
      doc: cq2023,
      request: college('2023-05-10'),
      expect: { benefitStart: '2023-08-08', benefitEnd: '2023-08-31', waitingDays: 90 },
    },
    {
      clause: '002#二(二) + 002#三(三) (paid in July: 90 days would end after the academic year)',
      doc: cq2023,
      request: college('2023-07-10'),
      expect: { code: 'ENROLLMENT_CLOSED' },
    },
    {
      clause: '002#二(二) + 002#三(一) (a graduate paying in July: the notice states no fiscal subsidy)',
      doc: cq2023,
      request: college('2023-07-10', { studentStatus: 'graduating' }),
      expect: { code: 'POLICY_INCOMPLETE', missing: ['fiscalSubsidyPerCapitaFen'] },
    },
    {
      clause: '002#二(二) + 002#三(一) (before the period opens)',
      doc: cq2023,
      request: college('2022-10-24'),
      expect: { code: 'ENROLLMENT_CLOSED' },
    },
    {
      clause: '002#二(四)1 (assistance against the academic-year standard, capped)',
      doc: cq2023,
      request: college('2022-11-01', { identities: ['特困人员'] }),
      expect: { standardFen: 32000, assistanceFen: 32000, personalFen: 0, assistanceIdentity: 'extreme-poverty' },
    },
  ];
  checkRows(t, rows);

  const r = q(cq2023, college('2022-11-01'));
  const reasons = r.ok ? r.quote.reasons : [];
  const said = reasons.find((x) => x.rule === 'college-academic-year');
  t.equal(said?.source, `${SEED.s002}#二(二)`, 'a reason cites 002#二(二) for the academic-year price');
  t.match(said?.text, /academic year 2022-09-01\.\.2023-08-31/, 'and names the academic year');
  t.match(
    reasons.find((x) => x.rule === 'standard')?.text,
    /academic year 2022-09-01\.\.2023-08-31, tier 1: 320 yuan/,
    'the standard reason names the price',
  );
  t.ok(
    reasons.some((x) => x.rule === 'benefit-academic-year'),
    'the cover reason says it follows the academic year',
  );
  t.notOk(
    reasons.some((x) => x.rule === 'benefit-year'),
    'no reason claims the calendar-year cover',
  );

  const late = q(cq2023, college('2023-07-10'));
  t.match(
    late.ok ? null : late.error.message,
    /academic year|2023-08-31/,
    'the refusal names the end of the cover the price is for',
  );
  const residentQuote = q(cq2023, { paidOn: '2022-11-01' });
  t.match(
    summary(residentQuote),
    { standardFen: 35000, benefitStart: '2023-01-01', benefitEnd: '2023-12-31' },
    '002#二(二): residents keep the calendar-year standard and cover',
  );
});
